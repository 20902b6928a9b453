import Lifecycle

/// The rules of when a nudge may be typed live in Lifecycle (`DeliveryRules`).
typealias NudgeGuard = DeliveryRules
