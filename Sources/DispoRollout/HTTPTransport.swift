// HTTP for the server pool through Foundation's URLSession (FoundationNetworking on Linux, over libcurl):
// JSON bodies in and out, a deadline per request, and failures sorted into what a retry may fix
// (no connection, timeout, HTTP 5xx/429) and what it cannot (other HTTP errors). A protocol, so tests can
// count and shape calls.

import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct HTTPReply: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) { self.status = status; self.body = body }
}

/// Why a call failed, and whether trying again may help.
public struct HTTPFailure: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, timeout, status(Int) }
    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }

    public var retryable: Bool {
        switch kind {
        case .connection, .timeout: return true
        case .status(let code): return code >= 500 || code == 429 || code == 408
        }
    }

    public var description: String {
        switch kind {
        case .connection: return "no connection (\(message))"
        case .timeout: return "no answer in time (\(message))"
        case .status(let code): return "HTTP \(code): \(message)"
        }
    }
}

public protocol HTTPTransport: Sendable {
    /// GET when `body` is nil, else POST with a JSON body. Throws HTTPFailure; a 2xx reply is returned.
    func call(_ url: String, body: String?, timeout: Double) async throws -> HTTPReply
}

public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// `connections`: at most this many connections per server.
    public init(connections: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// URLSession on Linux does not enforce `timeoutInterval` on a connected request that stalls, so the
    /// deadline is kept here: the call fails with `.timeout` when it has not answered in `timeout` seconds.
    public func call(_ url: String, body: String?, timeout: Double) async throws -> HTTPReply {
        try await Deadline.run(seconds: timeout, url: url) { try await self.send(url, body: body, timeout: timeout) }
    }

    private func send(_ url: String, body: String?, timeout: Double) async throws -> HTTPReply {
        guard let target = URL(string: url) else { throw HTTPFailure(kind: .status(0), message: "not a URL: \(url)") }
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError {
            throw HTTPFailure(kind: error.code == .timedOut ? .timeout : .connection, message: error.localizedDescription)
        } catch {
            throw HTTPFailure(kind: .connection, message: "\(error)")
        }
        guard let http = response as? HTTPURLResponse else { throw HTTPFailure(kind: .connection, message: "not an HTTP answer") }
        let bytes = [UInt8](data)
        guard (200..<300).contains(http.statusCode) else {
            let text = String(decoding: bytes.prefix(300), as: UTF8.self)
            throw HTTPFailure(kind: .status(http.statusCode), message: text.isEmpty ? "empty body" : text)
        }
        return HTTPReply(status: http.statusCode, body: bytes)
    }
}

/// Runs work with a deadline; returns as soon as either the work or the deadline is done (the work is then
/// cancelled, and its late answer dropped).
enum Deadline {
    final class Once<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, any Error>?>
        init(_ c: CheckedContinuation<T, any Error>) { continuation = Mutex(c) }
        /// True for the first caller only.
        @discardableResult
        func resume(_ result: Result<T, any Error>) -> Bool {
            guard let c = continuation.withLock({ c -> CheckedContinuation<T, any Error>? in defer { c = nil }; return c }) else { return false }
            c.resume(with: result)
            return true
        }
    }

    static func run<T: Sendable>(seconds: Double, url: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let once = Once(c)
            let timer = Task {
                try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                once.resume(.failure(HTTPFailure(kind: .timeout, message: "\(url): no answer after \(seconds) s")))
            }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                timer.cancel()
                once.resume(result)
            }
        }
    }
}
