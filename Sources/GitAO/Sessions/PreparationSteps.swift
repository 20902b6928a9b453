import Lifecycle
import Platform

/// The steps that make a fresh worktree ready to run, shared by spawn and restore: copy the
/// included ignored files, then run the setup step. Each is a named step of the caller's
/// journal, so a failure (or Ctrl-C) rolls back everything, these steps included.
struct PreparationSteps {
    let provisioner: Provisioner
    let preparation: WorktreePreparation
    let output: PreparationOutput

    func run(_ steps: inout StepRunner, session: Session, runSetup: Bool) throws {
        let report = try steps.run("copying the included files") {
            try provisioner.copyIncludedFiles(preparation.includePatterns, into: session.worktreePath, maxSize: preparation.includeMaxSize)
        }
        if !report.isEmpty {
            output.copies(report)
            try provisioner.recordEvent(session.id, kind: "files_copied", fields: report.eventFields)
        }
        guard runSetup, let template = preparation.setup else { return }
        let text = preparation.setupText ?? template.words.joined(separator: " ")
        try steps.run("running the setup step") {
            let step = SetupStep(template: template, timeout: preparation.setupTimeout,
                                 logPath: SetupStep.logPath(aoDirectory: provisioner.workspace.location.aoDirectory, session: session.id))
            let label = "setup: " + displaySafe(text.count > 48 ? String(text.prefix(45)) + "..." : text)
            let location = provisioner.workspace.location
            let result = try step.run(for: session, commonDir: location.commonDir, aoDirectory: location.aoDirectory, progress: output.progress(label: label),
                                      started: { provisioner.recordProcessGroup($0, session: session.id) })
            switch result {
            case .succeeded(let seconds):
                output.note("setup: '\(displaySafe(text))' finished in \(SetupStep.duration(seconds)); its output is in \(step.logPath)")
                try provisioner.recordEvent(session.id, kind: "setup", fields: ["result": "ok", "seconds": String(Int(seconds.rounded())), "log": step.logPath])
            case .failed(let what, let lines):
                let error = Messages.setupFailed(what, log: step.logPath, lastLines: lines)
                guard preparation.setupFailure == .warn else { throw error }
                output.warning(error)
                try provisioner.recordEvent(session.id, kind: "setup_failed", fields: ["result": what, "log": step.logPath])
            }
        }
    }
}

/// What spawn and restore print about the preparation: copies with -v, refused files and a
/// tolerated setup failure as warnings, the progress line on a terminal; nothing with -q.
final class PreparationOutput {
    let verbose: Bool
    let quiet: Bool
    let showProgress: Bool

    init(verbose: Bool, quiet: Bool, json: Bool) {
        self.verbose = verbose && !quiet
        self.quiet = quiet
        showProgress = !quiet && !json && Console.stderrIsTerminal
    }

    func copies(_ report: CopyReport) {
        if verbose {
            for file in report.copied { Console.err("copied \(displaySafe(file.path))\(file.reflink ? " (reflink)" : "")\n") }
            for path in report.linked { Console.err("copied \(displaySafe(path)) (symbolic link)\n") }
            for path in report.present { Console.err("kept \(displaySafe(path)) (already in the worktree)\n") }
        }
        if !quiet {
            for file in report.skipped { Console.err("warning: did not copy \(displaySafe(file.path)): \(file.reason)\n") }
        }
    }

    func progress(label: String) -> SetupProgress? { showProgress ? SetupProgress(label: label) : nil }

    func note(_ text: String) { if verbose { Console.err(displaySafe(text) + "\n") } }

    func warning(_ error: AOError) {
        guard !quiet else { return }
        Console.err((["warning: " + displaySafe(error.message) + " The session was kept (\(ConfigKeys.spawnSetupFailure)=warn)."]
                     + error.details.map { "  " + displaySafe($0) }).joined(separator: "\n") + "\n")
    }
}
