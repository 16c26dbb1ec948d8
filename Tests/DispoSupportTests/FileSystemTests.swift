// FileSystem, MappedFile, AtomicFile and LineFile on what is not a plain file: FIFOs are refused without
// blocking, directories and symlink loops are named, a full device is a write error (never a short file
// and success), and Foundation's errors become SystemErrors naming the file.
import DispoSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class FileSystemTests: XCTestCase {
    private func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-fs-\(UUID().uuidString)"
        try FileSystem.createDirectory(dir)
        addTeardownBlock { try? FileSystem.remove(dir) }
        return dir
    }

    func test_kind_names_fifo_directory_and_symlink_loop() throws {
        let dir = try scratch()
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o644), 0)
        XCTAssertEqual(symlink(dir + "/b", dir + "/a"), 0)
        XCTAssertEqual(symlink(dir + "/a", dir + "/b"), 0)
        XCTAssertEqual(FileSystem.kind(dir + "/fifo"), .fifo)
        XCTAssertEqual(FileSystem.kind(dir), .directory)
        XCTAssertEqual(FileSystem.kind(dir + "/a"), .symlinkLoop)
        XCTAssertEqual(FileSystem.kind(dir + "/none"), .missing)
    }

    func test_read_refuses_a_fifo_without_blocking_in_open() throws {
        // Given a FIFO nobody writes to (a plain open() would wait forever)
        let dir = try scratch()
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o644), 0)
        // When it is read as a file or mapped, Then both fail at once, naming what it is
        XCTAssertThrowsError(try FileSystem.read(dir + "/fifo")) {
            XCTAssertEqual("\($0)", "\(dir)/fifo: expected a regular file, found a FIFO (named pipe)")
        }
        XCTAssertThrowsError(try MappedFile(path: dir + "/fifo")) { XCTAssertTrue("\($0)".contains("a FIFO"), "\($0)") }
    }

    func test_read_names_directories_and_symlink_loops() throws {
        let dir = try scratch()
        XCTAssertEqual(symlink(dir + "/b", dir + "/a"), 0)
        XCTAssertEqual(symlink(dir + "/a", dir + "/b"), 0)
        XCTAssertThrowsError(try FileSystem.read(dir)) { XCTAssertTrue("\($0)".hasSuffix("found a directory"), "\($0)") }
        XCTAssertThrowsError(try FileSystem.read(dir + "/a")) { XCTAssertTrue("\($0)".contains("a loop of symbolic links"), "\($0)") }
        XCTAssertThrowsError(try FileSystem.read(dir + "/none")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }

    func test_writes_to_a_full_device_fail_and_the_device_is_never_replaced() throws {
        guard FileSystem.kind("/dev/full") == .characterDevice else { throw XCTSkip("no /dev/full character device") }
        // AtomicFile writes a device directly (a rename over /dev/full would replace it when run as root)
        XCTAssertThrowsError(try AtomicFile.write(String(repeating: "x", count: 100), to: "/dev/full")) { error in
            XCTAssertEqual((error as? SystemError)?.code, ENOSPC, "\(error)")
        }
        let lines = try LineFile(path: "/dev/full")
        XCTAssertThrowsError(try lines.line("x")) { XCTAssertEqual(($0 as? SystemError)?.code, ENOSPC, "\($0)") }
        XCTAssertEqual(FileSystem.kind("/dev/full"), .characterDevice)
    }

    func test_atomic_file_refuses_a_directory_destination() throws {
        let dir = try scratch()
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir)) { XCTAssertTrue("\($0)".hasSuffix("found a directory"), "\($0)") }
    }

    func test_create_list_move_remove() throws {
        let dir = try scratch()
        try FileSystem.createDirectory(dir + "/a/b/c")
        try AtomicFile.write("1", to: dir + "/a/b/c/f")
        XCTAssertEqual(try FileSystem.list(dir + "/a/b/c"), ["f"])
        try FileSystem.move(dir + "/a/b/c/f", to: dir + "/g")
        XCTAssertEqual(try FileSystem.read(dir + "/g"), Array("1".utf8))
        XCTAssertThrowsError(try FileSystem.createDirectory(dir + "/g")) { XCTAssertTrue("\($0)".contains("a regular file"), "\($0)") }
        try FileSystem.remove(dir + "/a")
        XCTAssertEqual(FileSystem.kind(dir + "/a"), .missing)
    }

    func test_foundation_errors_become_system_errors_naming_the_file() throws {
        let dir = try scratch()
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: dir + "/missing"))
            XCTFail("reading a missing file succeeded")
        } catch {
            let translated = SystemError.translating(error, file: dir + "/missing", operation: "read")
            XCTAssertEqual((translated as? SystemError)?.code, ENOENT, "\(translated)")
            XCTAssertTrue("\(translated)".hasPrefix(dir + "/missing: read failed: No such file or directory"), "\(translated)")
        }
        let unrelated = InputError(file: "x", expected: "y")
        XCTAssertEqual(SystemError.translating(unrelated, file: "z", operation: "read") as? InputError, unrelated)
    }

    func test_standard_input_that_is_a_directory_is_an_error() throws {
        let dir = try scratch()
        let fd = open(dir, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertThrowsError(try FileSystem.readAll(fd: fd, name: "standard input")) {
            XCTAssertEqual("\($0)", "standard input: expected text to read, found a directory")
        }
    }
}
