import Testing
import RapportModel

struct NormaliserTests {
    @Test("A linear normaliser puts the upper bound at 100 when higher is better")
    func linearHigherIsBetter() throws {
        let linear = Normaliser.linear(lower: 0, upper: 20)
        #expect(isClose(try linear.score(0, direction: .higherIsBetter), 0))
        #expect(isClose(try linear.score(5, direction: .higherIsBetter), 25))
        #expect(isClose(try linear.score(20, direction: .higherIsBetter), 100))
    }

    @Test("A linear normaliser puts the lower bound at 100 when lower is better")
    func linearLowerIsBetter() throws {
        let linear = Normaliser.linear(lower: 0, upper: 0.3)
        #expect(isClose(try linear.score(0, direction: .lowerIsBetter), 100))
        #expect(isClose(try linear.score(0.075, direction: .lowerIsBetter), 75))
        #expect(isClose(try linear.score(0.3, direction: .lowerIsBetter), 0))
    }

    @Test("Raw values outside a linear range are clamped to its ends")
    func linearClamps() throws {
        let linear = Normaliser.linear(lower: -0.1, upper: 0.1)
        #expect(try linear.score(-5, direction: .higherIsBetter) == 0)
        #expect(try linear.score(5, direction: .higherIsBetter) == 100)
        #expect(try linear.score(-5, direction: .lowerIsBetter) == 100)
        #expect(try linear.score(5, direction: .lowerIsBetter) == 0)
    }

    @Test("Passthrough keeps a 0–100 value and clamps anything outside")
    func passthrough() throws {
        #expect(try Normaliser.passthrough.score(42.5, direction: .higherIsBetter) == 42.5)
        #expect(try Normaliser.passthrough.score(-30, direction: .higherIsBetter) == 0)
        #expect(try Normaliser.passthrough.score(130, direction: .lowerIsBetter) == 100)
    }

    @Test("A band includes its upTo edge, and values above the last band take its score", arguments: [
        (-10.0, 10.0), (1.0, 10.0), (1.0000001, 50.0), (2.0, 50.0), (2.5, 90.0), (3.0, 90.0), (1000.0, 90.0),
    ])
    func bandEdges(raw: Double, expected: Double) throws {
        let bands = Normaliser.bands([.init(upTo: 1, score: 10), .init(upTo: 2, score: 50), .init(upTo: 3, score: 90)])
        #expect(try bands.score(raw, direction: .higherIsBetter) == expected)
    }

    @Test("Direction does not flip band scores")
    func bandsIgnoreDirection() throws {
        let bands = Normaliser.bands([.init(upTo: 0.05, score: 100), .init(upTo: 0.1, score: 60), .init(upTo: 1, score: 0)])
        #expect(try bands.score(0.02, direction: .lowerIsBetter) == 100)
        #expect(try bands.score(0.02, direction: .higherIsBetter) == 100)
    }

    @Test("Unusable normalisers are refused as invalid normalisers", arguments: [
        Normaliser.linear(lower: 1, upper: 1),
        .linear(lower: 2, upper: 1),
        .linear(lower: .nan, upper: 1),
        .linear(lower: 0, upper: .infinity),
        .bands([]),
        .bands([.init(upTo: 2, score: 10), .init(upTo: 1, score: 20)]),
        .bands([.init(upTo: 1, score: 10), .init(upTo: 1, score: 20)]),
        .bands([.init(upTo: 1, score: 101)]),
        .bands([.init(upTo: 1, score: -1)]),
        .bands([.init(upTo: .nan, score: 10)]),
        .bands([.init(upTo: 1, score: .nan)]),
    ])
    func refusesInvalid(normaliser: Normaliser) {
        let validation = #expect(throws: ScorecardError.self) { try normaliser.validate() }
        #expect(validation?.code == .invalidNormaliser)
        let scoring = #expect(throws: ScorecardError.self) { try normaliser.score(1, direction: .higherIsBetter) }
        #expect(scoring?.code == .invalidNormaliser)
    }

    @Test("Non-finite raw values are refused as invalid measurements", arguments: [Double.nan, .infinity, -.infinity])
    func refusesNonFiniteRaw(raw: Double) {
        let error = #expect(throws: ScorecardError.self) { try Normaliser.passthrough.score(raw, direction: .higherIsBetter) }
        #expect(error?.code == .invalidMeasurement)
    }

    @Test("An objective scores through its own normaliser and direction")
    func objectiveScore() throws {
        let churn = Objective(id: "gc", key: .grossChurn, name: "Gross churn", direction: .lowerIsBetter,
                              normaliser: .linear(lower: 0, upper: 0.3))
        #expect(isClose(try churn.score(0.15), 50))
        #expect(isClose(try churn.score(0.03), 90))
    }
}
