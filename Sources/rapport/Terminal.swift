/// What text looks like on a terminal: how many columns it takes, and how to show control
/// characters without obeying them.
///
/// Data synced from other replicas may hold anything, so everything printed in a table or a
/// label/value list goes through ``escape(_:)``: an escape sequence in a name is shown as `\u{1B}[…`
/// instead of recolouring or clearing the screen.
enum Terminal {
    /// C0 and C1 controls and DEL (newline, tab, ESC, …), plus the bidirectional overrides that
    /// reorder what follows them on screen.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` with every control character written visibly: `\n`, `\t`, `\r`, else `\u{1B}`.
    /// With `keepingNewlines`, line breaks stay (for a message of several lines).
    static func escape(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !(keepingNewlines && $0 == "\n") }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where keepingNewlines: result += "\n"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where isControl(scalar): result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Columns `text` takes on a terminal: wide East Asian characters and emoji 2, combining marks
    /// and zero-width characters 0 (counted per grapheme cluster, so `é` written as e + U+0301 is 1).
    static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// Columns one grapheme cluster takes: 0, 1 or 2.
    static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.allSatisfy(isZeroWidth) { return 0 }
        if scalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        if scalars.contains("\u{FE0F}"), first.properties.isEmoji { return 2 }
        return isWide(first) ? 2 : 1
    }

    /// The longest prefix of `text` (whole grapheme clusters) that fits `columns`, ending in `…`
    /// when something was cut.
    static func truncate(_ text: String, to columns: Int) -> String {
        guard width(text) > columns else { return text }
        var result = ""
        var used = 0
        for character in text {
            let next = width(of: character)
            if used + next > columns - 1 { break }
            result.append(character)
            used += next
        }
        return result + "…"
    }

    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: true
        default: scalar.value == 0x200B || (0xFE00...0xFE0F).contains(scalar.value)
        }
    }

    /// East Asian Wide and Fullwidth ranges (Unicode UAX #11) that terminals draw in two columns.
    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
             0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD: true
        default: false
        }
    }
}
