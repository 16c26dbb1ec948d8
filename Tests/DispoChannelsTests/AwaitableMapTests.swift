// AwaitableMap: every wait ends — by a value, by the map's failure, or by cancellation.
import DispoChannels
import XCTest

final class AwaitableMapTests: XCTestCase {
    struct Boom: Error, Equatable {}

    func test_wait_returns_a_value_set_later() async throws {
        let map = AwaitableMap<Int, String>()
        async let value = map.value(for: 3)
        try await Task.sleep(nanoseconds: 10_000_000)
        map.set(3, "three")
        let got = try await value
        XCTAssertEqual(got, "three")
        XCTAssertEqual(map[3], "three")
    }

    func test_fail_ends_present_and_future_waits_with_the_first_error() async throws {
        let map = AwaitableMap<Int, Int>()
        let waiting = Task { try await map.value(for: 1) }
        try await Task.sleep(nanoseconds: 10_000_000)
        map.fail(Boom())
        map.fail(CancellationError())
        await XCTAssertThrowsBoom { _ = try await waiting.value }
        await XCTAssertThrowsBoom { _ = try await map.value(for: 2) }
        // A value set before the failure is still there.
        map.set(5, 50)
        let five = try await map.value(for: 5)
        XCTAssertEqual(five, 50)
    }

    func test_cancelled_wait_throws_cancellation_and_leaves_others_waiting() async throws {
        let map = AwaitableMap<Int, Int>()
        let cancelled = Task { try await map.value(for: 1) }
        let other = Task { try await map.value(for: 1) }
        try await Task.sleep(nanoseconds: 10_000_000)
        cancelled.cancel()
        do {
            _ = try await cancelled.value
            XCTFail("expected CancellationError")
        } catch is CancellationError {}
        map.set(1, 7)
        let seven = try await other.value
        XCTAssertEqual(seven, 7)
    }

    func test_keep_and_entries_filter_by_key() {
        let map = AwaitableMap<Int, Int>()
        for k in 0..<5 { map.set(k, k * 10) }
        map.keep { $0 >= 2 }
        XCTAssertNil(map[1])
        XCTAssertEqual(map.entries { $0 >= 3 }, [3: 30, 4: 40])
    }

    private func XCTAssertThrowsBoom(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("expected Boom", file: file, line: line)
        } catch {
            XCTAssertTrue(error is Boom, "\(error)", file: file, line: line)
        }
    }
}
