import Foundation
import IR
import ONNX
import Reference

/// Runs ONNX backend node test cases from a ``NodeTestCache`` on the
/// reference executor and judges each one.
struct NodeTestRunner {
    let cache: NodeTestCache
    /// Cases that trapped the test process in an earlier run (from the
    /// `NODE_CONFORMANCE_CRASHED` environment variable, comma-separated):
    /// reported as failed without running them, so the rest can be judged.
    let crashed: Set<String>

    init(cache: NodeTestCache, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.cache = cache
        let list = environment["NODE_CONFORMANCE_CRASHED"] ?? ""
        self.crashed = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The ops of `opTypes` the workbench lacks (`domain::Op` names are never supported).
    static func missingOps(_ opTypes: [String]) -> [String] {
        opTypes.filter { !isSupportedOp($0) }
    }

    /// True for a default-domain op type listed in ``Op``.
    static func isSupportedOp(_ opType: String) -> Bool {
        !opType.contains("::") && Op(rawValue: opType) != nil
    }

    /// Runs (or classifies) one case.
    func run(_ entry: NodeTestIndex.Case) -> CaseResult {
        let missing = Self.missingOps(entry.opTypes)
        func result(_ status: CaseStatus, _ reason: String, _ seconds: Double = 0) -> CaseResult {
            CaseResult(name: entry.name, op: entry.op, expanded: entry.expanded,
                       status: status, reason: reason, seconds: seconds)
        }
        if !missing.isEmpty {
            return result(.unsupported, "needs " + missing.joined(separator: ", "))
        }
        let exclusion = NodeTestExclusions.entry(for: entry.name)
        if crashed.contains(entry.name) {
            let reason = "trapped (crashed) the test process; run it alone to see the trap"
            return exclusion.map { result(.excluded, $0.reason) } ?? result(.failed, reason)
        }
        markInFlight(entry.name)
        let start = Date()
        let failure = execute(entry)
        let seconds = Date().timeIntervalSince(start)
        switch (failure, exclusion) {
        case (nil, nil): return result(.passed, "", seconds)
        case (let reason?, nil): return result(.failed, reason, seconds)
        case (nil, let e?): return result(.unexpectedPass, e.reason, seconds)
        case (let reason?, let e?):
            var excluded = result(.excluded, e.reason, seconds)
            excluded.detail = reason
            return excluded
        }
    }

    /// nil when every data set's outputs match, else a one-line reason.
    private func execute(_ entry: NodeTestIndex.Case) -> String? {
        do {
            let modelURL = cache.caseDirectory(entry.name).appendingPathComponent("model.onnx")
            let graph = try loadGraph(modelURL)
            let unsupported = graph.unsupportedOps()
            if !unsupported.isEmpty {
                return "imported graph has unsupported ops: " + unsupported.map(\.op).joined(separator: ", ")
            }
            let executor = try ReferenceExecutor(graph: graph)
            for n in 0..<entry.dataSets {
                if let reason = try check(entry, dataSet: n, graph: graph, executor: executor) {
                    return entry.dataSets > 1 ? "data set \(n): \(reason)" : reason
                }
            }
            return nil
        } catch {
            return oneLine("\(error)")
        }
    }

    /// Runs data set `n` and compares every output; nil when all match.
    private func check(_ entry: NodeTestIndex.Case, dataSet n: Int, graph: Graph,
                       executor: ReferenceExecutor) throws -> String? {
        let files = cache.dataSet(entry.name, n)
        guard files.inputs.count == graph.inputs.count else {
            return "data set has \(files.inputs.count) inputs, the graph declares \(graph.inputs.count)"
        }
        guard files.outputs.count == graph.outputs.count else {
            return "data set has \(files.outputs.count) outputs, the graph declares \(graph.outputs.count)"
        }
        var feeds: [String: Tensor] = [:]
        for (info, url) in zip(graph.inputs, files.inputs) {
            feeds[info.name] = try loadTensor(url)
        }
        let outputs = try executor.run(feeds)
        for (info, url) in zip(graph.outputs, files.outputs) {
            let expected = try loadTensor(url)
            guard let actual = outputs[info.name] else { return "output '\(info.name)' was not produced" }
            if let reason = TensorComparison.mismatch(actual, expected, rtol: entry.rtol, atol: entry.atol) {
                return "output '\(info.name)': \(reason)"
            }
        }
        return nil
    }

    // MARK: The importer API (module ONNX)

    private func loadGraph(_ url: URL) throws -> Graph {
        try ONNXImporter().load(contentsOf: url).graph
    }

    private func loadTensor(_ url: URL) throws -> Tensor {
        let data = try Data(contentsOf: url)
        let source = url.pathComponents.suffix(3).joined(separator: "/")
        return try ONNXImporter.tensor(fromTensorProto: data, source: source)
    }

    // MARK: Crash marker

    /// Records the case about to run, so a trap leaves its name behind.
    private func markInFlight(_ name: String) {
        try? Data(name.utf8).write(to: cache.inFlightURL)
    }

    /// Removes the in-flight marker after a complete run.
    func clearInFlight() {
        try? FileManager.default.removeItem(at: cache.inFlightURL)
    }

    /// The case a previous run was executing when it died, if any.
    func previousCrash() -> String? {
        guard let data = try? Data(contentsOf: cache.inFlightURL) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The text on one line, with the cache folder's path dropped from file names.
    private func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: cache.directory.path + "/", with: "")
            .split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
