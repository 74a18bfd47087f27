@testable import RapportServer
import Testing

/// Token secrets: their format, their hash, and the check that accepts only the real one.
@Suite struct TokenSecretsTests {
    @Test func aSecretEmbedsItsIdAnd256RandomBits() throws {
        let (id, secret) = TokenSecrets.generate()
        #expect(secret.hasPrefix("rpt_\(id)_"))
        #expect(secret.count == 4 + id.count + 1 + 64)
        #expect(TokenSecrets.parse(secret) == id)
        #expect(TokenSecrets.generate().secret != secret)
    }

    @Test func parsingRefusesAnythingThatIsNotExactlyOurFormat() {
        let (id, _) = TokenSecrets.generate()
        let tail = String(repeating: "a", count: 64)
        for bad in ["", "rpt_", "rpt_\(id)", "xyz_\(id)_\(tail)", "rpt_\(id)_\(tail.uppercased())", "rpt_\(id)_\(tail)0",
                    "rpt__\(tail)", "rpt_a_b_\(tail)"] {
            #expect(TokenSecrets.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func onlyTheOriginalSecretMatchesItsStoredHash() {
        let (_, secret) = TokenSecrets.generate()
        let stored = TokenSecrets.hash(secret)
        #expect(stored.count == 64 && !stored.contains(secret))
        #expect(TokenSecrets.matches(secret, storedHash: stored))
        #expect(!TokenSecrets.matches(secret + "0", storedHash: stored))
        #expect(!TokenSecrets.matches(TokenSecrets.generate().secret, storedHash: stored))
        #expect(!TokenSecrets.matches(secret, storedHash: ""))
    }
}
