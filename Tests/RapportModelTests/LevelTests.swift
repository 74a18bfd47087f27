import Testing
import RapportModel

struct LevelTests {
    @Test("Typed levels are read case-insensitively in long and short form", arguments: [
        ("high", Level.high), ("HIGH", .high), ("h", .high), ("H", .high), (" High ", .high),
        ("low", .low), ("Low", .low), ("l", .low), ("L", .low),
    ])
    func parsesAcceptedSpellings(text: String, expected: Level) {
        #expect(Level(parsing: text) == expected)
    }

    @Test("Anything other than high, low, h or l is refused", arguments: ["", "hi", "medium", "lo w", "1", "true"])
    func refusesOtherText(text: String) {
        #expect(Level(parsing: text) == nil)
    }
}
