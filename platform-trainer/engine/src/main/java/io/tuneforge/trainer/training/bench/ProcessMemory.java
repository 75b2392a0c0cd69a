package io.tuneforge.trainer.training.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from {@code /proc/self/status} (Linux); -1 where unavailable. */
public final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Current resident set size in bytes ({@code VmRSS}). */
    public static long residentBytes() {
        return field("VmRSS:");
    }

    /** Peak resident set size in bytes since the process started ({@code VmHWM}). */
    public static long peakResidentBytes() {
        return field("VmHWM:");
    }

    /**
     * Resets the peak ({@code VmHWM}) to the current RSS by writing "5" to {@code /proc/self/clear_refs} (Linux 4.0+);
     * returns false where the kernel does not allow it (the peak then covers the whole process).
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
