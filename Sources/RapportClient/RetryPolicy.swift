import Foundation

/// How often and how patiently a request is retried after a failure that may pass.
///
/// Only failures that say nothing about the request itself are retried: no answer at all (network
/// errors, timeouts), 429, and 502/503/504 (a proxy or a server restarting). Every other 4xx is
/// final, because sending the same request again would get the same answer; 500 is final too,
/// because it points at a server bug, not a passing state. Retrying a push is safe: the server's
/// merge is idempotent. Delays grow exponentially from `baseDelay` up to `maxDelay`, each one
/// jittered into its upper half so that many devices coming back online do not retry in step.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries per request, the first included; 1 means never retry.
    public var attempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(attempts: Int = 5, baseDelay: TimeInterval = 0.2, maxDelay: TimeInterval = 5) {
        self.attempts = max(1, attempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
    }

    /// No retries: the first failure is final.
    public static let none = RetryPolicy(attempts: 1)

    /// The HTTP statuses worth another try.
    public static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// The pause before retry number `retry` (1 for the first retry): between half and all of
    /// `min(maxDelay, baseDelay · 2^(retry-1))`.
    public func delay(beforeRetry retry: Int) -> TimeInterval {
        let exponent = Double(min(max(retry - 1, 0), 30))
        let ceiling = min(maxDelay, baseDelay * pow(2, exponent))
        return ceiling / 2 + Double.random(in: 0...1) * ceiling / 2
    }
}
