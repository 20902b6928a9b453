import CSystem
import Glibc

/// Standard streams, terminal detection and colour. Commands write through this, never with
/// `print`, so every byte of output goes through one place.
package enum Console {
    package static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    package static var stdinIsTerminal: Bool { isatty(0) == 1 }
    package static var stderrIsTerminal: Bool { isatty(2) == 1 }

    package static func out(_ text: String) {
        fputs(text, ao_stdout())
    }

    package static func line(_ text: String = "") {
        fputs(text + "\n", ao_stdout())
    }

    package static func err(_ text: String) {
        fflush(ao_stdout())
        fputs(text, ao_stderr())
    }

    package static func flush() {
        fflush(ao_stdout())
        fflush(ao_stderr())
    }

    /// Colour for human output: only on a terminal, only when NO_COLOR is unset, and only when
    /// git's `color.ui` does not say never. Reads git config only when the first two allow it,
    /// so piped output never pays for a `git config` call.
    package static func palette(config: () -> GitConfig?) -> Palette {
        guard stdoutIsTerminal, !Environment.isSet("NO_COLOR") else { return Palette(enabled: false) }
        let setting = config()?.string("color.ui")?.lowercased()
        return Palette(enabled: !(setting == "never" || setting == "false" || setting == "off" || setting == "no" || setting == "0"))
    }
}
