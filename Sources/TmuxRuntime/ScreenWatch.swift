import Platform

extension Delivery {
    /// Looks at the pane every `interval` seconds until `judge` gives an answer, and returns it;
    /// nil on timeout or interruption. `judge` sees the screen rows and the row holding the
    /// cursor (nil when the program hides the cursor).
    package func watchScreen<T>(timeout: Double, interval: Double = 0.2, interrupted: () -> Bool,
                                judge: (_ screen: [String], _ cursorRow: Int?) -> T?) throws -> T? {
        let deadline = Clock.monotonicSeconds() + timeout
        while Clock.monotonicSeconds() < deadline && !interrupted() {
            Clock.sleep(interval)
            if let answer = try look(judge) { return answer }
        }
        return nil
    }

    /// One look at the pane.
    package func look<T>(_ judge: (_ screen: [String], _ cursorRow: Int?) -> T?) throws -> T? {
        let screen = try tmux.capture(target)
        let pane = try tmux.paneState(target)
        return judge(screen, pane.cursorVisible ? pane.cursorY : nil)
    }
}
