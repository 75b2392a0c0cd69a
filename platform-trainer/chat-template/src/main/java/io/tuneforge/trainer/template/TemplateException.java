package io.tuneforge.trainer.template;

/** A chat template could not be parsed or rendered; the message says where and why (template line, raised text). */
public class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
