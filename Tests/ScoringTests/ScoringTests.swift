import Foundation
import IR
import NumPy
import ONNX
@testable import Scoring
import XCTest
import _TestSupport

/// The hackathon score arithmetic on hand-made arrays, and data-file checks.
final class AccuracyCheckTests: XCTestCase {
    func testMaxAndMedianRelativeByHand() {
        // diffs 0.1, 0, 0.5, 0.2 ; |ref| 1, 2, 5, 0 ; eps 1e-5
        let c = AccuracyCheck.compare([1.1, 2, 5.5, 0.2], [1, 2, 5, 0], epsilon: 1e-5)
        XCTAssertEqual(c.maxAbsolute, 0.5, accuracy: 1e-12)
        // relatives: 0.1/1.00001, 0, 0.5/5.00001, 0.2/1e-5 -> sorted middle two are ~0.09999 and ~0.09999
        let r = [0.1 / 1.00001, 0.0, 0.5 / 5.00001, 0.2 / 1e-5].sorted()
        XCTAssertEqual(c.medianRelative, (r[1] + r[2]) / 2, accuracy: 1e-12)
    }

    func testOddCountMedianIsMiddleElement() {
        let c = AccuracyCheck.compare([1, 2, 3], [1, 1, 1], epsilon: 0)
        XCTAssertEqual(c.medianRelative, 1, accuracy: 1e-12)  // relatives 0, 1, 2
        XCTAssertEqual(c.maxAbsolute, 2, accuracy: 1e-12)
    }

    func testEpsilonOfOutputZeroIs5e5() {
        // With reference 0 and diff 1e-5 the relative error depends only on epsilon.
        let t = ScoreThresholds()
        XCTAssertEqual(t.epsilon0, 5e-5)
        XCTAssertEqual(t.epsilon1, 1e-5)
        let c = AccuracyCheck.compare([1e-5], [0], epsilon: t.epsilon0)
        XCTAssertEqual(c.medianRelative, 0.2, accuracy: 1e-9)
    }

    func testNaNMakesTheCellBad() {
        let c = AccuracyCheck.compare([.nan, 1], [1, 1], epsilon: 1e-5)
        XCTAssertTrue(c.maxAbsolute.isNaN)
        XCTAssertFalse(ScoreThresholds().isGood([c]))
    }

    func testThresholdsAreStrict() {
        let t = ScoreThresholds()
        let ok = AccuracyCheck(maxAbsolute: 0.0349, medianRelative: 0.00199)
        XCTAssertTrue(t.isGood([ok, AccuracyCheck(maxAbsolute: 3, medianRelative: 0.099)]))
        XCTAssertFalse(t.isGood([AccuracyCheck(maxAbsolute: 0.035, medianRelative: 0), ok]))
        XCTAssertFalse(t.isGood([AccuracyCheck(maxAbsolute: 0, medianRelative: 0.002)]))
        XCTAssertFalse(t.isGood([ok, AccuracyCheck(maxAbsolute: 0, medianRelative: 0.1)]))
        XCTAssertTrue(t.isGood([ok]), "a single-output model is judged on output 0 alone")
    }

    func testLengthsReferenceAsMaskIsSummed() throws {
        // The original hackathon files stored encoder_out_lens as the mask [B, 1, T'].
        let produced = Tensor([3, 1] as [Int32], shape: [2])
        let mask = Tensor([true, true, true, false, true, false, false, false], shape: [2, 1, 4])
        let (p, r) = try Scorer.comparable(produced, mask, output: "encoder_out_lens", file: "x.npz")
        XCTAssertEqual(p, [3, 1])
        XCTAssertEqual(r, [3, 1])
        let wrong = Tensor([2, 1] as [Int32], shape: [2])
        let (p2, r2) = try Scorer.comparable(wrong, mask, output: "encoder_out_lens", file: "x.npz")
        XCTAssertEqual(AccuracyCheck.compare(p2, r2, epsilon: 1e-5).maxAbsolute, 1)
    }

    func testShapeMismatchNamesFileAndOutput() {
        let produced = Tensor([Float](repeating: 0, count: 6), shape: [2, 3])
        let reference = Tensor([Float](repeating: 0, count: 6), shape: [3, 2])
        XCTAssertThrowsError(try Scorer.comparable(produced, reference, output: "encoder_out", file: "encoder-2-3.npz")) {
            XCTAssertEqual("\($0)", "encoder-2-3.npz: output 'encoder_out' has shape [2, 3] but the reference has [3, 2]")
        }
    }

    func testTableLineFormatAndThroughput() {
        let row = ScoreRow(file: "encoder-4-64.npz", batchSize: 4, sequenceLength: 64, latencyMs: 12.5,
                           checks: [AccuracyCheck(maxAbsolute: 1e-6, medianRelative: 2e-7),
                                    AccuracyCheck(maxAbsolute: 0, medianRelative: 0)], good: true)
        XCTAssertEqual(row.throughput, 4 * 64 / 12.5 * 1000, accuracy: 1e-9)
        XCTAssertEqual(ScoreTable.line(row), "   4,  64,   12.500, 2.048e+04,1.000e-06,2.000e-07,0.000e+00,0.000e+00, Good")
        XCTAssertTrue(ScoreTable.render([row]).hasSuffix("1/1 cells Good, total latency 12.500 ms"))
    }
}

/// End to end on the tiny generated WeNet fixture: a data file in the
/// hackathon's form scores Good; perturbed or mismatched files do not.
final class ScorerTests: XCTestCase {
    private var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/generated")
    }

    private func session() throws -> ReferenceSession {
        let model = try ONNXImporter().load(contentsOf: fixtures.appendingPathComponent("wenet-tiny.onnx"))
        return try ReferenceSession(graph: model.graph)
    }

    private func write(_ archive: NumPyArchive) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scoring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("encoder-3-45.npz")
        try NumPy.writeArchive(archive, to: url)
        return url
    }

    private func data() throws -> NumPyArchive {
        try NumPy.readArchive(contentsOf: fixtures.appendingPathComponent("wenet-tiny.npz"))
    }

    func testReferenceDataScoresGood() throws {
        let row = try Scorer(iterations: 1, warmUp: 0).score(file: try write(data()), session: try session())
        XCTAssertTrue(row.good, "\(row)")
        XCTAssertEqual(row.batchSize, 3)
        XCTAssertEqual(row.sequenceLength, 45)
        XCTAssertEqual(row.checks.count, 2)
        XCTAssertLessThan(row.checks[0].maxAbsolute, 1e-4)
        XCTAssertEqual(row.checks[1].maxAbsolute, 0)
    }

    func testPerturbedReferenceIsBad() throws {
        var pairs = Array(try data()).map { ($0.name, $0.tensor) }
        let k = pairs.firstIndex { $0.0 == "encoder_out" }!
        var values = pairs[k].1.floats!
        for i in stride(from: 0, to: values.count, by: 2) { values[i] += 0.01 }  // median rel error >> 2e-3
        pairs[k].1 = Tensor(values, shape: pairs[k].1.shape)
        let row = try Scorer(iterations: 1, warmUp: 0).score(file: try write(NumPyArchive(pairs)), session: try session())
        XCTAssertFalse(row.good)
        XCTAssertGreaterThan(row.checks[0].medianRelative, 2e-3)
    }

    func testWrongLengthsAreBad() throws {
        var pairs = Array(try data()).map { ($0.name, $0.tensor) }
        let k = pairs.firstIndex { $0.0 == "encoder_out_lens" }!
        pairs[k].1 = Tensor(pairs[k].1.int32s!.map { $0 + 1 }, shape: pairs[k].1.shape)
        let row = try Scorer(iterations: 1, warmUp: 0).score(file: try write(NumPyArchive(pairs)), session: try session())
        XCTAssertFalse(row.good)
    }

    func testMissingInputIsNamed() throws {
        let pairs = Array(try data()).filter { $0.name != "speech_lengths" }.map { ($0.name, $0.tensor) }
        XCTAssertThrowsError(try Scorer().score(file: try write(NumPyArchive(pairs)), session: try session())) {
            XCTAssertEqual("\($0)", "encoder-3-45.npz: no array 'speech_lengths' (the model's input)")
        }
    }

    func testUnknownArrayIsNamed() throws {
        var pairs = Array(try data()).map { ($0.name, $0.tensor) }
        pairs.append(("feats", Tensor([1] as [Float], shape: [1])))
        XCTAssertThrowsError(try Scorer().score(file: try write(NumPyArchive(pairs)), session: try session())) {
            XCTAssertTrue("\($0)".hasPrefix("encoder-3-45.npz: array 'feats' is neither a model input nor an output"), "\($0)")
        }
    }

    func testWrongInputShapeIsNamed() throws {
        var pairs = Array(try data()).map { ($0.name, $0.tensor) }
        let k = pairs.firstIndex { $0.0 == "speech" }!
        let x = pairs[k].1
        pairs[k].1 = Tensor(x.floats!, shape: [x.shape[0], x.shape[1] * x.shape[2] / 40, 40])  // 40 features, not 80
        XCTAssertThrowsError(try Scorer().score(file: try write(NumPyArchive(pairs)), session: try session())) {
            XCTAssertTrue("\($0)".contains("speech"), "\($0)")
        }
    }

    func testDataFilesAreOrderedByBatchThenLength() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scoring-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["encoder-16-16.npz", "encoder-1-1024.npz", "encoder-4-64.npz", "encoder-1-16.npz", "other.npz"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data())
        }
        let names = try Scorer.dataFiles(in: dir).map(\.lastPathComponent)
        XCTAssertEqual(names, ["encoder-1-16.npz", "encoder-1-1024.npz", "encoder-4-64.npz", "encoder-16-16.npz"])
        XCTAssertThrowsError(try Scorer.dataFiles(in: dir, prefix: "decoder-"))
    }
}
