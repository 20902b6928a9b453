import AOTestSupport
import Foundation
@testable import GitAO
import Platform
import Testing

/// Checks a failed run: the stable code, the exit status from the table, the sentence and a hint.
func expectError(_ result: RunResult, _ code: String, mentioning words: [String] = [],
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.errorCode == code, "expected \(code): \(result)", sourceLocation: sourceLocation)
    if let known = ErrorCode(rawValue: code) {
        #expect(result.status == known.exitStatus.rawValue, "exit status for \(code): \(result)", sourceLocation: sourceLocation)
    }
    #expect(result.stderr.contains("hint:") || result.stderr.contains("\"hint\""), "no hint: \(result)", sourceLocation: sourceLocation)
    for word in words {
        #expect(result.stderr.contains(word), "error does not mention '\(word)': \(result.stderr)", sourceLocation: sourceLocation)
    }
}
