import Foundation
import RapportProtocol
import Testing

@Suite struct GzipTests {
    @Test func whatIsCompressedInflatesToTheSameBytes() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 1023, 70_000, 300_000] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0x20...0x7e, using: &generator) }
            let gzipped = try #require(Gzip.compress(bytes))
            #expect(gzipped.starts(with: [0x1f, 0x8b]))
            #expect(try Gzip.decompress(gzipped, limit: size) == Data(bytes))
        }
    }

    @Test func inflatingStopsAtTheLimit() throws {
        let gzipped = try #require(Gzip.compress([UInt8](repeating: 0, count: 1 << 20)))
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(gzipped, limit: (1 << 20) - 1) }
    }

    @Test func damagedOrTruncatedDataIsRefused() throws {
        let gzipped = try #require(Gzip.compress(Array(String(repeating: "rapport ", count: 1000).utf8)))
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("not gzip".utf8), limit: 1 << 20) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(gzipped.dropLast(8), limit: 1 << 20) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(gzipped + Data([1, 2, 3]), limit: 1 << 20) }
    }

    @Test func acceptEncodingListsGzipOnlyWithAWeightAboveZero() {
        #expect(Gzip.isListed(in: "gzip"))
        #expect(Gzip.isListed(in: "deflate, GZIP;q=0.5"))
        #expect(Gzip.isListed(in: "br, x-gzip"))
        #expect(!Gzip.isListed(in: "gzip;q=0"))
        #expect(!Gzip.isListed(in: "gzip; q=0.000"))
        #expect(!Gzip.isListed(in: "identity"))
        #expect(!Gzip.isListed(in: nil))
    }
}
