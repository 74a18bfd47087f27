import Foundation

extension CrisisEvent {
    /// Compares the relationship just before this crisis with the relationship just after it.
    ///
    /// Only assessments of this crisis's account count. "Before" is the latest assessment at or
    /// before `startedAt`; "after" is the earliest at or after `resolvedAt`. Assessments taken during
    /// the crisis are ignored because they show the heat of the moment, not whether it held.
    /// Among assessments with the same timestamp the one with the greatest `id` is used, so the
    /// answer does not depend on the order of the array.
    public func outcome(given assessments: [Assessment]) -> CrisisOutcome {
        guard let resolvedAt else { return .unknown(.unresolved) }
        let own = assessments.filter { $0.accountID == accountID }
        let before = own
            .filter { $0.assessedAt <= startedAt }
            .max { ($0.assessedAt, $0.id) < ($1.assessedAt, $1.id) }
        guard let before else { return .unknown(.noAssessmentBefore) }
        let after = own
            .filter { $0.assessedAt >= resolvedAt }
            .min { ($0.assessedAt, $1.id) < ($1.assessedAt, $0.id) }
        guard let after else { return .unknown(.noAssessmentAfter) }
        switch (before.relationship, after.relationship) {
        case (.high, .high): return .held(before: before, after: after)
        case (.high, .low): return .dropped(before: before, after: after)
        case (.low, .high): return .improved(before: before, after: after)
        case (.low, .low): return .stayedLow(before: before, after: after)
        }
    }
}
