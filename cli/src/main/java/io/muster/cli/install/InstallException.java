package io.muster.cli.install;

/** An install or uninstall that cannot go on; the message is the one line shown to the operator. */
final class InstallException extends Exception {
    InstallException(String message) {
        super(message);
    }

    InstallException(String message, Throwable cause) {
        super(message, cause);
    }
}
