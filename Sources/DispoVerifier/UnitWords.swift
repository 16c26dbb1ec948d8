// Words the normaliser drops after a number: units of measure, currency, and the filler nouns
// that the Minerva/verl `math_dapo` normaliser removes ("ways", "students", …). Single letters are not
// here: `m` or `s` alone are more often variables than metres or seconds (inside `\text{}` they still go),
// nor `sec` and `min`, which are also functions.

enum UnitWords {
    static let words: Set<String> = [
        // length, area, volume
        "mm", "cm", "km", "meter", "meters", "metre", "metres", "inch", "inches", "ft", "foot", "feet",
        "yd", "yard", "yards", "mile", "miles", "square", "sq", "cubic", "liter", "liters", "litre", "litres",
        "ml", "gallon", "gallons", "quarts", "cups", "cup",
        // mass
        "mg", "kg", "gm", "gram", "grams", "pound", "pounds", "lb", "lbs", "ounce", "ounces", "oz", "tons",
        // time and speed
        "secs", "second", "seconds", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours",
        "day", "days", "week", "weeks", "month", "months", "year", "years", "mph", "kph", "kmh",
        // money, angles, counts
        "dollar", "dollars", "cent", "cents", "euros", "degree", "degrees", "deg", "radians", "unit", "units",
        "ways", "integers", "points", "digits", "students", "meals", "edges", "multiples", "people", "times",
        "th", "nd", "rd", "st",
    ]

    /// Lower-case letters of `run`, if it is a unit word or a run of them with the spaces gone
    /// (`squarefeet`, `cubicinches`; single letters only inside `\text{}`).
    static func isUnit(_ run: ArraySlice<UInt8>, insideText: Bool) -> Bool {
        guard run.count <= 32, !run.isEmpty else { return false }
        var letters = run[...]
        // `cm^2`, `inches^3` inside \text{}.
        if letters.count > 2, letters[letters.endIndex - 2] == Byte.caret, isDigit(letters[letters.endIndex - 1]) {
            letters = letters.dropLast(2)
        }
        guard letters.allSatisfy(isLetter) else { return false }
        if letters.count == 1, let letter = letters.first { return insideText && "msgh".utf8.contains(lower(letter)) }
        return isWordSequence(letters.map(lower))
    }

    /// True when `s` splits into unit words (dynamic programming over its ≤ 32 prefixes).
    static func isWordSequence(_ s: [UInt8]) -> Bool {
        var reachable = [Bool](repeating: false, count: s.count + 1)
        reachable[0] = true
        for end in 1...s.count {
            for start in max(0, end - 12)..<end where reachable[start] && end - start >= 2 {
                if words.contains(String(decoding: s[start..<end], as: UTF8.self)) { reachable[end] = true; break }
            }
        }
        return reachable[s.count]
    }
}
