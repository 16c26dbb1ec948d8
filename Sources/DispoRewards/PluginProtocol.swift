// The reward plugin protocol (README.md, "Reward plugins"): one JSON object per request and per answer.
//
//   request:  {"prompt": text, "response": text, "answer": gold, "metadata": {"problem_id": …, "problem_index": …,
//              "step": …, "sample": …}}
//   answer:   {"reward": number, "correct": bool (optional), "components": {name: number} (optional)}
//
// A command plugin reads requests as lines on stdin and writes one answer line per request, in order; an
// HTTP plugin gets each request as a POST body and answers with the JSON object. Anything else — a line
// that is not such an object, a non-finite number — is an error naming the plugin and the request.

import DispoSupport

public struct RewardRequest: Codable, Sendable, Equatable {
    public struct Metadata: Codable, Sendable, Equatable {
        public var problemID: String
        public var problemIndex: Int
        /// The learner step (1-based) the response is sampled for, and its index in its group.
        public var step: Int
        public var sample: Int

        enum CodingKeys: String, CodingKey { case problemID = "problem_id", problemIndex = "problem_index", step, sample }

        public init(problemID: String, problemIndex: Int, step: Int, sample: Int) {
            self.problemID = problemID
            self.problemIndex = problemIndex
            self.step = step
            self.sample = sample
        }
    }

    public var prompt: String
    public var response: String
    public var answer: String
    public var metadata: Metadata

    public init(prompt: String, response: String, answer: String, metadata: Metadata) {
        self.prompt = prompt
        self.response = response
        self.answer = answer
        self.metadata = metadata
    }

    /// How error messages name the request.
    public var summary: String {
        "problem \(metadata.problemID) (record \(metadata.problemIndex)), step \(metadata.step), sample \(metadata.sample)"
    }
}

public struct RewardReply: Codable, Sendable, Equatable {
    public var reward: Double
    public var correct: Bool?
    public var components: [String: Double]?

    public init(reward: Double, correct: Bool? = nil, components: [String: Double]? = nil) {
        self.reward = reward
        self.correct = correct
        self.components = components
    }

    /// Parses one answer; other keys are allowed (plugins may add their own), the three above are checked.
    static func parse(_ text: String, plugin: String) throws -> RewardReply {
        let reply = try StrictJSONDecoder(allowUnknownKeys: true).decode(RewardReply.self, from: JSONParser.parse(text, file: plugin),
                                                                          file: plugin)
        guard reply.reward.isFinite, (reply.components ?? [:]).values.allSatisfy(\.isFinite) else {
            throw InputError(file: plugin, expected: "finite numbers for reward and components", found: InputError.excerpt(text))
        }
        return reply
    }
}

/// A plugin failed on a request: crashed, hung, or answered something that is not an answer.
public struct RewardPluginError: Error, CustomStringConvertible, Sendable {
    public var plugin: String
    public var request: String
    public var reason: String
    public var description: String { "reward plugin \(plugin): \(request): \(reason)" }
}

/// Scores requests. Implementations bound their own concurrency and time out.
public protocol RewardPlugin: Sendable {
    var name: String { get }
    func score(_ request: RewardRequest) async throws -> RewardReply
    /// Stops its processes or connections.
    func shutdown()
}
