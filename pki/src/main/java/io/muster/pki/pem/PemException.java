package io.muster.pki.pem;

import java.io.IOException;

/** PEM text that is not what was expected. The message names the problem and, when reading a file, the file. */
public final class PemException extends IOException {
    public PemException(String message) {
        super(message);
    }
}
