import Foundation
import RapportClient
import Testing

/// The backoff schedule: exponential, capped, jittered into the upper half.
@Suite struct RetryPolicyTests {
    @Test func delaysGrowExponentiallyWithinJitterAndStopAtTheCap() {
        let policy = RetryPolicy(attempts: 8, baseDelay: 0.2, maxDelay: 5)
        for retry in 1...8 {
            let ceiling = min(5, 0.2 * pow(2, Double(retry - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(beforeRetry: retry)
                #expect(delay >= ceiling / 2 && delay <= ceiling)
            }
        }
    }

    @Test func theDefaultsAreFiveAttemptsFrom200MillisecondsUpToFiveSeconds() {
        let policy = SyncOptions().retry
        #expect(policy.attempts == 5 && policy.baseDelay == 0.2 && policy.maxDelay == 5)
        #expect(RetryPolicy.retryableStatuses == [429, 502, 503, 504])
    }
}
