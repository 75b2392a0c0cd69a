package io.tuneforge.core.model;

/**
 * How far a Hub import has come.
 *
 * @param file       the file being downloaded now (empty before the first and after the last)
 * @param filesDone  files completely downloaded
 * @param filesTotal files to download
 * @param bytesDone  bytes downloaded over all files
 * @param bytesTotal bytes to download over all files, as far as known (sizes from the listing, else the
 *                   Content-Length of each file once its download starts)
 */
public record HubProgress(String file, int filesDone, int filesTotal, long bytesDone, long bytesTotal) {

    /** Done as a fraction from 0 to 1 (by bytes; by files while no size is known). */
    public double fraction() {
        if (bytesTotal > 0) {
            return Math.min(1.0, (double) bytesDone / bytesTotal);
        }
        return filesTotal == 0 ? 0 : (double) filesDone / filesTotal;
    }

    /** True once every file is on disk. */
    public boolean complete() {
        return filesTotal > 0 && filesDone == filesTotal;
    }
}
