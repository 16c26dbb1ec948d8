// The shards of `data.prepare` (Spec/DataPreparation.swift): each dataset file is sharded with the run's
// tokenizer and prompt template into CACHE/KEY/, KEY being the XXH64 of what decides the shards' bytes —
// the file's contents, the tokenizer's identity, the template (and for `chat` the template text, system
// prompt, variables and generation prompt), the fields and skip_bad. A later run (another seed of a sweep,
// a resume) with the same inputs reuses the set; a changed file gets a new key. The set is written into a
// temporary sibling and renamed into place, so two runs preparing the same data at once cannot mix.

import DispoDatasets
import DispoSupport
import DispoTokenizers
import Foundation

enum PreparedData {
    /// `spec` with `data.train` and `data.eval` replaced by prepared shard sets (unchanged without `data.prepare`).
    static func resolve(_ spec: PipelineSpec, file: String, tokenizer: any Tokenizer, tokenizerPath: String,
                        log: (String) -> Void) throws -> PipelineSpec {
        guard let prepare = spec.data.prepare else { return spec }
        var resolved = spec
        let template = try promptTemplate(prepare, file: file, tokenizerPath: tokenizerPath)
        resolved.data.train = try shard(spec.data.train, place: "$.data.train", prepare, template: template, file: file,
                                        tokenizer: tokenizer, log: log)
        if let eval = spec.data.eval {
            resolved.data.eval = try shard(eval, place: "$.data.eval", prepare, template: template, file: file,
                                           tokenizer: tokenizer, log: log)
        }
        resolved.data.prepare = nil
        return resolved
    }

    static func promptTemplate(_ p: DataPreparation, file: String, tokenizerPath: String) throws -> PromptTemplate {
        guard PromptTemplate.names.contains(p.template) else {
            throw InputError(file: file, place: "$.data.prepare.template", expected: "one of \(PromptTemplate.names.joined(separator: ", "))",
                             found: "\"\(p.template)\"")
        }
        guard p.template == "chat" else {
            if p.systemPrompt != nil || p.chatVariables != nil {
                throw InputError(file: file, place: "$.data.prepare", expected: "system_prompt and chat_variables only with template \"chat\"",
                                 found: "template \"\(p.template)\"")
            }
            return try PromptTemplate.named(p.template)
        }
        var chat = ChatPrompt(template: try ChatTemplate.load(tokenizerPath), systemPrompt: p.systemPrompt)
        chat.addGenerationPrompt = p.addGenerationPrompt
        for (name, value) in p.chatVariables ?? [:] {
            switch value {
            case .bool(let b): chat.variables[name] = TemplateValue(json: .bool(b))
            case .number(let d): chat.variables[name] = TemplateValue(json: .number(d, String(d)))
            case .string(let s): chat.variables[name] = .string(s)
            }
        }
        return try PromptTemplate.named("chat", chat: chat)
    }

    /// The prepared shard set of `input`, made now unless the cache holds it.
    static func shard(_ input: String, place: String, _ p: DataPreparation, template: PromptTemplate, file: String,
                      tokenizer: any Tokenizer, log: (String) -> Void) throws -> String {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(input, "a dataset file (JSONL or JSON)") } catch {
            throw InputError(file: file, place: place, expected: "a readable dataset file (data.prepare)", found: "\(error)")
        }
        var key = [XXH64.hex(XXH64.hash(bytes)), tokenizer.identity.kind, tokenizer.identity.hash, p.template,
                   p.promptField ?? "-", p.answerField ?? "-", p.skipBad ? "skip" : "strict"]
        if case .chat(let chat) = template {
            key += [chat.template.source, p.systemPrompt ?? "-", String(p.addGenerationPrompt),
                    (try? JSONWriter.encode(p.chatVariables ?? [:])) ?? ""]
        }
        let name = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        let directory = p.cache + "/" + name + "-" + XXH64.hex(XXH64.hash(Array(key.joined(separator: "\u{1F}").utf8)))
        if FileManager.default.fileExists(atPath: directory + "/manifest.json") { return directory }
        try FileSystem.createDirectory(p.cache)
        let staging = directory + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        var job = ShardJob(input: input, output: staging)
        job.fields = ProblemFields(promptField: p.promptField, answerField: p.answerField)
        job.template = template
        job.skipBad = p.skipBad
        job.showProgress = false
        job.command = "data.prepare of \(file)"
        let summary = try job.run(tokenizer: tokenizer)
        do { try FileSystem.move(staging, to: directory) } catch {
            // Another run prepared the same set meanwhile: theirs is identical, keep it.
            try? FileManager.default.removeItem(atPath: staging)
            guard FileManager.default.fileExists(atPath: directory + "/manifest.json") else { throw error }
        }
        let skipped = summary.skipped.values.reduce(0, +)
        log("prepared \(input) → \(directory): \(summary.recordsRead - skipped) problems" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        return directory
    }
}
