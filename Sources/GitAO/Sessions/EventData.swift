import Lifecycle
import Platform

/// Details of a change-log entry: the decision's reason and changed fields, plus extras.
enum EventData {
    static func of(_ extra: [String: String?]) -> (Decision) -> String? {
        { decision in
            var fields = extra
            fields["reason"] = decision.reason
            fields["changed"] = decision.patch.fieldNames.joined(separator: ",")
            return JSON.object(fields)
        }
    }
}
