package io.tuneforge.trainer.device;

/** The requested device is malformed or not available to the engine. */
public class DeviceException extends RuntimeException {

    public DeviceException(String message) {
        super(message);
    }
}
