import Foundation

/// The outcome of one node test case.
enum CaseStatus: String, Codable {
    /// Every output matched.
    case passed
    /// An output differed, or import or execution threw (or trapped, see `reason`).
    case failed
    /// On the exclusion list and still failing, as the list expects.
    case excluded
    /// On the exclusion list but passing: the entry should be removed.
    case unexpectedPass = "unexpected-pass"
    /// Uses an op outside the workbench's `Op` list or a non-default domain: not run.
    case unsupported
    /// The generator could not write it (sequence, optional or map values): not run.
    case skippedAtGeneration = "skipped-at-generation"
}

/// One case in `report.json`.
struct CaseResult: Codable {
    let name: String
    /// The op the case tests (for `_expanded` cases, the op whose function body was inlined).
    let op: String
    let expanded: Bool
    let status: CaseStatus
    /// Why it failed, why it is excluded, or which ops it needs; empty when it passed.
    let reason: String
    /// For an excluded case, how it actually failed; else empty.
    var detail: String = ""
    let seconds: Double
}

/// Counts for one op over the cases in scope (every node op supported).
struct OpSummary: Codable {
    let op: String
    /// Whether the workbench has the op itself; false when it is only reached
    /// through `_expanded` cases built from other ops.
    let supported: Bool
    /// Cases in scope (run or excluded).
    var cases = 0
    /// Cases judged: `cases` minus excluded ones.
    var run = 0
    var passed = 0
    var failed = 0
    var excluded = 0
    var unexpectedPasses = 0
    /// Exclusion reason -> number of cases it covers.
    var exclusionReasons: [String: Int] = [:]

    init(op: String, supported: Bool) {
        self.op = op
        self.supported = supported
    }

    enum CodingKeys: String, CodingKey {
        case op, supported, cases, run, passed, failed, excluded
        case unexpectedPasses = "unexpected_passes"
        case exclusionReasons = "exclusion_reasons"
    }
}

/// `.cache/onnx-node-tests/report.json`, which `scripts/node-test-table.sh` prints.
struct ConformanceReport: Codable {
    struct Totals: Codable {
        var cases = 0, run = 0, passed = 0, failed = 0, excluded = 0, unexpectedPasses = 0
        /// Cases not run because they need an op the workbench does not have.
        var unsupported = 0
        var skippedAtGeneration = 0

        enum CodingKeys: String, CodingKey {
            case cases, run, passed, failed, excluded, unsupported
            case unexpectedPasses = "unexpected_passes"
            case skippedAtGeneration = "skipped_at_generation"
        }
    }

    let onnxVersion: String
    let generatedAt: String
    let seconds: Double
    let totals: Totals
    /// In-scope ops, sorted by name.
    let ops: [OpSummary]
    /// Ops outside the supported list -> number of cases that need them.
    let unsupportedOps: [String: Int]
    /// Every case, sorted by name.
    let cases: [CaseResult]

    enum CodingKeys: String, CodingKey {
        case seconds, totals, ops, cases
        case onnxVersion = "onnx_version"
        case generatedAt = "generated_at"
        case unsupportedOps = "unsupported_ops"
    }

    /// Builds the per-op and total counts from the case results.
    init(onnxVersion: String, seconds: Double, results: [CaseResult],
         missingOps: [String: [String]], isSupportedOp: (String) -> Bool) {
        var ops: [String: OpSummary] = [:]
        var totals = Totals()
        for r in results {
            switch r.status {
            case .unsupported: totals.unsupported += 1; continue
            case .skippedAtGeneration: totals.skippedAtGeneration += 1; continue
            default: break
            }
            var s = ops[r.op] ?? OpSummary(op: r.op, supported: isSupportedOp(r.op))
            s.cases += 1
            totals.cases += 1
            switch r.status {
            case .passed: s.passed += 1; s.run += 1; totals.passed += 1; totals.run += 1
            case .failed: s.failed += 1; s.run += 1; totals.failed += 1; totals.run += 1
            case .excluded, .unexpectedPass:
                s.excluded += 1
                totals.excluded += 1
                s.exclusionReasons[r.reason, default: 0] += 1
                if r.status == .unexpectedPass { s.unexpectedPasses += 1; totals.unexpectedPasses += 1 }
            case .unsupported, .skippedAtGeneration: break
            }
            ops[r.op] = s
        }
        var needed: [String: Int] = [:]
        for (_, missing) in missingOps { for op in missing { needed[op, default: 0] += 1 } }
        self.onnxVersion = onnxVersion
        self.generatedAt = ISO8601DateFormatter().string(from: Date())
        self.seconds = seconds
        self.totals = totals
        self.ops = ops.values.sorted { $0.op < $1.op }
        self.unsupportedOps = needed
        self.cases = results.sorted { $0.name < $1.name }
    }

    /// Writes the report as pretty-printed JSON (atomically).
    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
