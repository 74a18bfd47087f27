import RapportClient
import RapportProtocol
import Testing
@testable import rapport

/// The line a person reads after `rapport sync`: a record refused only for now (a device clock
/// ahead of the server's) is still queued and must not read as rejected, as one set aside does.
@Suite struct SyncSummaryTests {
    private func report(rejecting reasons: [String]) -> SyncReport {
        var report = SyncReport()
        report.pushed = reasons.count + 1
        report.rejected = reasons.enumerated().map { SyncReport.Rejected(entity: "assessment", id: "as-\($0.offset)", reason: $0.element, message: "…") }
        return report
    }

    @Test func aClockDriftRefusalReadsAsStillQueuedAndASetAsideOneAsRejected() {
        let drift = report(rejecting: [RejectionReason.clockDrift])
        #expect(drift.rejected.allSatisfy { $0.staysQueued })
        #expect(summary(drift).hasPrefix("pushed 2 (1 refused for now, still queued);"))

        let both = report(rejecting: [RejectionReason.clockDrift, RejectionReason.invalidVersion])
        #expect(summary(both).hasPrefix("pushed 3 (1 rejected and set aside, 1 refused for now, still queued);"))
        #expect(summary(report(rejecting: [])).hasPrefix("pushed 1;"))
    }
}
