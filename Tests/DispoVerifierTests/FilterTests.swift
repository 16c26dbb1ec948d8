// Overlong shaping, truncation, and the dynamic group filter: the vectors of docs/ALGORITHMS.md §7.
import DispoSupport
import DispoVerifier
import Foundation
import XCTest

final class OverlongShapingTests: XCTestCase {
    func test_algorithms_vectors() {
        // Given L_max 8, buffer 4, factor 1
        let config = OverlongConfig(maxLength: 8, buffer: 4, factor: 1)
        // Then the penalties are exactly the documented ones
        for (length, expected) in [(3, 0.0), (4, 0.0), (5, -0.25), (6, -0.5), (8, -1.0)] {
            XCTAssertEqual(config.penalty(length: length), expected, accuracy: 1e-12, "length \(length)")
        }
    }

    func test_factor_scales_and_disabled_or_zero_buffer_is_zero() {
        XCTAssertEqual(OverlongConfig(maxLength: 8, buffer: 4, factor: 0.5).penalty(length: 6), -0.25, accuracy: 1e-12)
        XCTAssertEqual(OverlongConfig(enabled: false, maxLength: 8, buffer: 4).penalty(length: 8), 0)
        XCTAssertEqual(OverlongConfig(maxLength: 8, buffer: 0).penalty(length: 8), 0)
    }

    func test_truncated_only_at_max_length_without_eos() {
        let config = OverlongConfig(maxLength: 8, buffer: 4)
        XCTAssertTrue(config.isTruncated(length: 8, endedWithEOS: false))
        XCTAssertFalse(config.isTruncated(length: 8, endedWithEOS: true))
        XCTAssertFalse(config.isTruncated(length: 7, endedWithEOS: false))
    }

    func test_config_json_names_and_validation_name_the_field() throws {
        let json = #"{"max_length": 8, "buffer": 4, "factor": 1, "mask_truncated": true}"#
        let config = try StrictJSONDecoder().decode(OverlongConfig.self, fromText: json)
        XCTAssertEqual(config, OverlongConfig(maxLength: 8, buffer: 4, factor: 1, maskTruncated: true))
        XCTAssertThrowsError(try OverlongConfig(maxLength: 8, buffer: 9).validate(file: "run.json")) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.buffer")
            XCTAssertEqual(($0 as? InputError)?.file, "run.json")
        }
        XCTAssertThrowsError(try OverlongConfig(maxLength: 0, buffer: 0).validate()) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.max_length")
        }
        XCTAssertThrowsError(try OverlongConfig(maxLength: 8, buffer: 2, factor: -1).validate()) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.factor")
        }
    }
}

final class DynamicGroupFilterTests: XCTestCase {
    func test_algorithms_vectors() {
        XCTAssertFalse(DynamicGroupFilter.keeps([1, 1, 1, 1]))
        XCTAssertFalse(DynamicGroupFilter.keeps([0, 0, 0, 0]))
        XCTAssertTrue(DynamicGroupFilter.keeps([1, 0, 0, 0]))
        XCTAssertTrue(DynamicGroupFilter.keeps([1]))
    }

    func test_filter_counts_kept_and_dropped() {
        let result = DynamicGroupFilter.filter([[1, 1], [1, 0], [0, 0], [1]])
        XCTAssertEqual(result.kept, [1, 3])
        XCTAssertEqual(result.dropped, [0, 2])
        XCTAssertEqual(result.keptCount, 2)
        XCTAssertEqual(result.droppedCount, 2)
    }

    func test_max_gen_batches_must_not_be_negative() throws {
        XCTAssertThrowsError(try DynamicSamplingConfig(maxGenBatches: -1).validate()) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.max_gen_batches")
        }
    }
}
