package io.tuneforge.core.worker;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** A device a worker trains on: a CUDA GPU, or the CPU. */
@Entity
@Table(name = "worker_devices")
public class WorkerDevice {

    /** The kind of device. */
    public enum Kind {
        CPU,
        CUDA;

        @Converter(autoApply = true)
        static class Column extends LowercaseEnumConverter<Kind> {
            Column() {
                super(Kind.class);
            }
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "worker_id", nullable = false)
    private Worker worker;

    /** -1 for the CPU, else the CUDA ordinal. */
    @Column(name = "device_index", nullable = false)
    private int deviceIndex;

    @Column(nullable = false, length = 10)
    private Kind kind;

    @Column(nullable = false, length = 200)
    private String name;

    /** Device memory (GPU) or usable host memory (CPU), in bytes. */
    @Column(name = "memory_bytes", nullable = false)
    private long memoryBytes;

    /** Whether the device computes bfloat16 natively; only such devices take {@code bf16: true} jobs. */
    @Column(nullable = false)
    private boolean bf16;

    protected WorkerDevice() {
    }

    public WorkerDevice(Worker worker, int deviceIndex, Kind kind, String name, long memoryBytes) {
        this.worker = worker;
        this.deviceIndex = deviceIndex;
        this.kind = kind;
        this.name = name;
        this.memoryBytes = memoryBytes;
    }

    public Long getId() {
        return id;
    }

    public Worker getWorker() {
        return worker;
    }

    public int getDeviceIndex() {
        return deviceIndex;
    }

    public Kind getKind() {
        return kind;
    }

    public String getName() {
        return name;
    }

    public long getMemoryBytes() {
        return memoryBytes;
    }

    public boolean computesBf16() {
        return bf16;
    }
}
