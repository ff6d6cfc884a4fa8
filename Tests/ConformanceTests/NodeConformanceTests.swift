import Foundation
import XCTest

/// Runs the ONNX backend node test cases (about 1,900 in onnx 1.23) on the
/// reference executor.
///
/// The cases are generated once into `.cache/onnx-node-tests` (git-ignored) by
/// `scripts/onnx_node_tests.py`, which this test runs when the cache is missing
/// or was written by another onnx version; it needs python3 with numpy and onnx
/// (`pip install -r requirements.txt`) and fails, never skips, without them.
///
/// A case is in scope when every node's op is a default-domain op the workbench
/// lists in `Op`. In-scope cases run unless they trap; each is compared with the
/// expected outputs under the case's rtol/atol (``TensorComparison``). Cases on
/// ``NodeTestExclusions`` run too, and one that starts passing fails the test.
/// The per-op counts go to `.cache/onnx-node-tests/report.json`;
/// `scripts/node-test-table.sh` prints them as a Markdown table.
///
/// A kernel that traps kills the test process and leaves the case's name in
/// `.cache/onnx-node-tests/in-flight.txt`; listing it in the environment
/// variable `NODE_CONFORMANCE_CRASHED` (comma-separated) reports it as failed
/// without running it, which `scripts/node-test-table.sh` does by itself.
final class NodeConformanceTests: XCTestCase {
    func testNodeConformance() throws {
        let cache = NodeTestCache()
        do {
            try cache.generate()
        } catch {
            XCTFail("\(error)")
            return
        }
        let index = try cache.loadIndex()
        let runner = NodeTestRunner(cache: cache)
        if let previous = runner.previousCrash() {
            print("note: the previous run died while running \(previous); "
                + "set NODE_CONFORMANCE_CRASHED=\(previous) to report it as failed and judge the rest")
        }

        let start = Date()
        var results: [CaseResult] = []
        var missing: [String: [String]] = [:]
        for entry in index.cases {
            let result = runner.run(entry)
            if result.status == .unsupported { missing[entry.name] = NodeTestRunner.missingOps(entry.opTypes) }
            results.append(result)
        }
        runner.clearInFlight()
        for skipped in index.skipped {
            results.append(CaseResult(name: skipped.name, op: skipped.op, expanded: false,
                                      status: .skippedAtGeneration, reason: skipped.reason, seconds: 0))
        }
        let report = ConformanceReport(onnxVersion: index.onnxVersion,
                                       seconds: Date().timeIntervalSince(start),
                                       results: results, missingOps: missing,
                                       isSupportedOp: NodeTestRunner.isSupportedOp)
        try report.write(to: cache.reportURL)
        print(summary(report))

        XCTAssertGreaterThan(report.totals.cases, 0, "no node test case uses only supported ops")
        let failed = results.filter { $0.status == .failed }
        if !failed.isEmpty {
            XCTFail("\(failed.count) of \(report.totals.run) ONNX node test cases fail:\n"
                + listing(failed) + "\n(report: \(cache.reportURL.path))")
        }
        let honest = results.filter { $0.status == .unexpectedPass }
        if !honest.isEmpty {
            XCTFail("\(honest.count) excluded ONNX node test cases now pass; remove them from "
                + "NodeTestExclusions.swift:\n" + listing(honest))
        }
    }

    /// One line per case, grouped by op: `  [Op] test_name: reason`.
    private func listing(_ results: [CaseResult]) -> String {
        results.sorted { ($0.op, $0.name) < ($1.op, $1.name) }
            .map { "  [\($0.op)] \($0.name): \($0.reason)" }
            .joined(separator: "\n")
    }

    private func summary(_ report: ConformanceReport) -> String {
        let t = report.totals
        return "ONNX node tests (onnx \(report.onnxVersion)): \(t.cases) in scope, \(t.passed) passed, "
            + "\(t.failed) failed, \(t.excluded) excluded (\(t.unexpectedPasses) now pass); "
            + "\(t.unsupported) need unsupported ops, \(t.skippedAtGeneration) skipped at generation; "
            + String(format: "%.1f s", report.seconds)
    }
}
