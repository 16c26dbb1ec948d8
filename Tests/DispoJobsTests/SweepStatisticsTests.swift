// The sweep's statistics by hand: mean ± standard error across seeds, the exact sign test, the paired
// bootstrap (its interval covers the observed difference and shrinks with more problems; reproducible), and
// per-problem pooling over seeds.
import DispoJobs
import XCTest

final class SweepStatisticsTests: XCTestCase {
    func test_statistic_is_mean_and_standard_error_of_the_mean() {
        let s = Statistic([0.3, 0.5, 0.4])
        XCTAssertEqual(s.n, 3)
        XCTAssertEqual(s.mean!, 0.4, accuracy: 1e-12)
        // sample std 0.1, / √3
        XCTAssertEqual(s.stderr!, 0.1 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertNil(Statistic([0.7]).stderr, "one seed has no spread")
        XCTAssertEqual(Statistic([0.7]).mean, 0.7)
        XCTAssertEqual(Statistic([.nan, 2]).n, 1, "non-finite values are left out")
        XCTAssertNil(Statistic([]).mean)
    }

    func test_statistic_encodes_mean_stderr_and_n_with_nulls() throws {
        let text = try JSONWriter.encode(Statistic([1]))
        XCTAssertEqual(text, #"{"mean":1,"n":1,"stderr":null}"#)
    }

    func test_sign_test_is_the_exact_two_sided_binomial() {
        // 8 wins, 2 losses, 1 tie: p = 2·(C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2·56/1024 = 0.109375.
        let t = SweepStatistics.signTest([1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 0])
        XCTAssertEqual(t.wins, 8)
        XCTAssertEqual(t.losses, 2)
        XCTAssertEqual(t.ties, 1)
        XCTAssertEqual(t.p, 0.109375, accuracy: 1e-12)
        XCTAssertEqual(SweepStatistics.signTest([0.5, -0.5]).p, 1)
        XCTAssertEqual(SweepStatistics.signTest([0, 0]).p, 1)
        // Large n stays finite: 600 wins, 400 losses is far from even.
        let big = SweepStatistics.signTest([Double](repeating: 1, count: 600) + [Double](repeating: -1, count: 400))
        XCTAssertLessThan(big.p, 1e-9)
        XCTAssertGreaterThan(big.p, 0)
    }

    func test_paired_bootstrap_interval_and_p() {
        // Arm a is 0.25 better on 40 problems and equal on 60: mean d = 0.1.
        var a: [Int: Double] = [:], b: [Int: Double] = [:]
        for p in 0..<100 { a[p] = p < 40 ? 0.75 : 0.5; b[p] = 0.5 }
        b[500] = 1  // a problem only one arm evaluated is left out
        let c = SweepStatistics.compare(a, b, perSeed: [0.1, 0.12], resamples: 2000)
        XCTAssertEqual(c.problems, 100)
        XCTAssertEqual(c.delta, 0.1, accuracy: 1e-12)
        XCTAssertLessThan(c.bootstrapLow, 0.1)
        XCTAssertGreaterThan(c.bootstrapHigh, 0.1)
        XCTAssertGreaterThan(c.bootstrapLow, 0, "every resample of 40 wins and 0 losses is positive")
        XCTAssertEqual(c.bootstrapP, 0)
        XCTAssertEqual(c.signTest.wins, 40)
        XCTAssertEqual(c.perSeed.mean!, 0.11, accuracy: 1e-12)
        XCTAssertEqual(SweepStatistics.compare(a, b, perSeed: [], resamples: 2000), c.with(perSeed: Statistic([])),
                       "the bootstrap is seeded: the same data give the same interval")
        // No difference: the interval straddles 0 and p is 1.
        let same = SweepStatistics.compare(b, b, perSeed: [], resamples: 500)
        XCTAssertEqual(same.bootstrapP, 1)
        XCTAssertEqual(same.delta, 0)
    }

    func test_pooling_averages_each_problem_over_seeds() {
        let pooled = SweepStatistics.pooled([[0: 0.25, 1: 1], [0: 0.75], [0: 0.5, 1: 0]])
        XCTAssertEqual(pooled[0]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(pooled[1]!, 0.5, accuracy: 1e-12)
    }
}

extension PairedComparison {
    func with(perSeed: Statistic) -> PairedComparison {
        var c = self
        c.perSeed = perSeed
        return c
    }
}

import DispoSupport
