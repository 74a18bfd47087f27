extension Normaliser {
    /// One step of a banded normaliser: raw values up to and including `upTo` score `score`.
    ///
    /// Bands are listed in strictly ascending `upTo`; a raw value above the last band's `upTo`
    /// takes the last band's score, so the top band need not guess a maximum.
    public struct Band: Sendable, Hashable, Codable {
        public var upTo: Double
        public var score: Double

        public init(upTo: Double, score: Double) {
            self.upTo = upTo
            self.score = score
        }

        /// Stable JSON field names: part of the wire and storage contract, never rename.
        enum CodingKeys: String, CodingKey {
            case upTo, score
        }
    }
}
