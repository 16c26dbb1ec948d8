// Full verification of a shard set: every shard file opened and checked against the manifest, every
// block decompressed with both checksums (compressed and uncompressed) checked, every record's layout,
// token ids and metadata checked. Unlike reading, it does not stop at the first fault: it returns
// all of them (one per broken block at most), so `dispo shards verify` can list them.

import DispoSupport
import Foundation

extension ShardSet {
    /// Faults of this (already opened) set; empty when every block is intact.
    public func verify(progress: ((_ blocksDone: Int) -> Void)? = nil) -> [InputError] {
        var faults: [InputError] = []
        var done = 0, masked = 0
        for file in files {
            faults += Self.verifyBlocks(of: file, vocabularySize: manifest.tokenizer.vocabularySize, pool: decoders, masked: &masked) {
                done += 1
                progress?(done)
            }
        }
        return faults + Self.maskedCountFault(masked, faults: faults, manifest: manifest, directory: directory)
            + Self.strayFiles(in: directory, manifest: manifest)
    }

    /// Faults of the set in `directory`, including shard files that cannot be opened or do not match
    /// the manifest (each reported, and the other shards still checked).
    public static func verify(directory: String, progress: ((_ blocksDone: Int) -> Void)? = nil) -> [InputError] {
        let manifest: ShardManifest
        do {
            manifest = try ShardManifest.load(directory: directory)
        } catch {
            return [asInputError(error, file: directory)]
        }
        var faults: [InputError] = []
        let pool = ZstdContextPool(compress: false)
        var done = 0, masked = 0
        for (i, entry) in manifest.shards.enumerated() {
            do {
                let file = try ShardFile(path: directory + "/" + entry.file, entry: entry, number: i, manifest: manifest,
                                         hint: hint(manifest))
                faults += verifyBlocks(of: file, vocabularySize: manifest.tokenizer.vocabularySize, pool: pool, masked: &masked) {
                    done += 1
                    progress?(done)
                }
            } catch {
                faults.append(asInputError(error, file: directory + "/" + entry.file))
            }
        }
        return faults + maskedCountFault(masked, faults: faults, manifest: manifest, directory: directory)
            + strayFiles(in: directory, manifest: manifest)
    }

    /// The manifest's `masked_records` against the records with a loss mask counted in intact blocks (only
    /// checked when every block was intact).
    static func maskedCountFault(_ counted: Int, faults: [InputError], manifest: ShardManifest, directory: String) -> [InputError] {
        guard faults.isEmpty, counted != manifest.maskedRecords else { return [] }
        return [InputError(file: directory + "/" + ShardManifest.fileName, place: "masked_records",
                           expected: "\(counted) (the records with a loss mask)", found: "\(manifest.maskedRecords)",
                           hint: hint(manifest))]
    }

    static func asInputError(_ error: any Error, file: String) -> InputError {
        if let error = error as? InputError { return error }
        return InputError(file: file, expected: "a readable shard set", found: "\(error)")
    }

    /// Shard files in the directory that the manifest does not name.
    static func strayFiles(in directory: String, manifest: ShardManifest) -> [InputError] {
        let named = Set(manifest.shards.map(\.file))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix("." + ShardFormat.fileExtension) && !named.contains($0) }.sorted().map {
            InputError(file: directory + "/" + $0, expected: "only the shard files named in manifest.json",
                       found: "a shard file the manifest does not name", hint: "remove it, or rebuild the set")
        }
    }

    static func verifyBlocks(of file: ShardFile, vocabularySize: Int, pool: ZstdContextPool, masked: inout Int,
                             blockDone: () -> Void) -> [InputError] {
        var faults: [InputError] = []
        let largest = file.blocks.map(\.uncompressedSize).max() ?? 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, largest), alignment: 16)
        defer { buffer.deallocate() }
        for (i, e) in file.blocks.enumerated() {
            do {
                let layout = try file.decode(block: i, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<e.uncompressedSize]),
                                             pool: pool, checkUncompressed: true)
                for r in 0..<layout.count {
                    if let problem = recordProblem(layout.view(r), vocabularySize: vocabularySize) {
                        throw file.error(block: i, "record \(e.firstRecord + r) with \(problem.expected)", problem.found)
                    }
                    if layout.view(r).hasLossMask { masked += 1 }
                }
            } catch {
                faults.append(asInputError(error, file: file.path))
            }
            blockDone()
        }
        return faults
    }

    /// What is wrong with one decoded record, if anything.
    static func recordProblem(_ view: TokenRecordView, vocabularySize: Int) -> (expected: String, found: String)? {
        for t in 0..<view.tokenCount {
            let id = view.token(t)
            if id < 0 || Int(id) >= vocabularySize { return ("token ids in 0..<\(vocabularySize)", "\(id) at token \(t)") }
        }
        if view.hasLossMask, view.tokenCount & 7 != 0 {
            let last = view.base.load(fromByteOffset: RecordEncoding.headerSize + view.tokenCount * view.width
                                      + (view.tokenCount - 1) / 8, as: UInt8.self)
            if last >> UInt8(view.tokenCount & 7) != 0 { return ("zero padding bits in the loss mask", "\(last)") }
        }
        guard let text = String(validating: view.metadata, as: UTF8.self) else { return ("UTF-8 metadata", "invalid UTF-8") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(trimmed.hasPrefix("{") && trimmed.hasSuffix("}")) { return ("JSON object metadata", InputError.excerpt(text)) }
        return nil
    }
}
