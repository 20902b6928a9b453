import Glibc

/// The git command-line program, for the few things git itself is the authority on
/// (configuration) or that the user compares against (`git --version` in doctor).
package enum GitCLI {
    package static func run(_ arguments: [String], in directory: String? = nil, timeout: Double = 30) throws -> ProcessResult {
        guard let git = Subprocess.onPath("git") else {
            throw Messages.gitMissing()
        }
        return try Subprocess.run([git] + arguments, directory: directory, timeout: timeout)
    }
}
