import Testing
@testable import Lifecycle

/// Which command reviewer exit statuses are verdicts; every status from -1 to 256 is covered.
@Suite("command reviewer exit statuses")
struct ReviewerExitTests {
    @Test("named rows", arguments: [
        (0, ReviewerExit.approved),
        (1, .changesRequested(status: 1)),
        (125, .changesRequested(status: 125)),
        (126, .couldNotRun(status: 126)),
        (127, .couldNotRun(status: 127)),
        (128, .abnormal(status: 128)),
        (137, .killed(signal: 9, status: 137)),
        (143, .killed(signal: 15, status: 143)),
        (192, .killed(signal: 64, status: 192)),
        (255, .abnormal(status: 255)),
        (-1, .abnormal(status: -1)),
    ] as [(Int32, ReviewerExit)])
    func rows(status: Int32, expected: ReviewerExit) {
        #expect(ReviewerExit(status: status) == expected)
    }

    @Test("only 0 to 125 are verdicts; everything else says why it is not one")
    func total() {
        for status in Int32(-1)...256 {
            let exit = ReviewerExit(status: status)
            #expect((exit.failure == nil) == (0...125).contains(status), "\(status)")
            if let failure = exit.failure { #expect(failure.contains("\(status)") && failure.hasSuffix("not a verdict"), "\(failure)") }
        }
        #expect(ReviewerExit(status: 137).failure?.contains("signal 9 (SIGKILL)") == true)
        #expect(ReviewerExit(status: 127).failure?.contains("not found") == true)
    }
}
