import Foundation
import IR
import NumPy
import XCTest

/// `workbench run`: outputs NumPy reads back, JSON, and one-line errors.
final class RunCommandTests: CLITestCase {
    func testRandomInputsExportOutputsNumPyReadsBack() throws {
        let r = try workbench("run", "--onnx", "tiny.onnx", "--shapes", "speech:2x5x80", "--iterations", "3",
                              "--warmUp", "1", "--exportOutput", "out.npz", "--saveInputs", "in.npz")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("encoder_out: float32 [2, 5, 8] | mean="), r.stdout)
        XCTAssertTrue(r.stdout.contains("Latency: median"), r.stdout)
        let outputs = try NumPy.readArchive(contentsOf: url("out.npz"))
        XCTAssertEqual(outputs.names, ["encoder_out", "encoder_out_lens"])
        XCTAssertEqual(outputs["encoder_out"]?.shape, [2, 5, 8])
        XCTAssertEqual(outputs["encoder_out_lens"]?.dataType, .int64)
        let inputs = try NumPy.readArchive(contentsOf: url("in.npz"))
        XCTAssertEqual(inputs["speech"]?.shape, [2, 5, 80])
        let speech = try XCTUnwrap(inputs["speech"]?.floats)
        XCTAssertTrue(speech.allSatisfy { (-1...1).contains($0) })
        // Lengths default to 1...T (T = 5), and pass through the Cast unchanged.
        let lengths = try XCTUnwrap(inputs["speech_lengths"]?.intValues())
        XCTAssertTrue(lengths.allSatisfy { (1...5).contains($0) }, "\(lengths)")
        XCTAssertEqual(outputs["encoder_out_lens"]?.intValues(), lengths)
    }

    func testLoadedInputsGiveTheSameOutputsAsTheRandomRunThatSavedThem() throws {
        XCTAssertEqual(try workbench("run", "--onnx", "tiny.onnx", "--shapes", "speech:1x3x80", "--seed", "9",
                                     "--saveInputs", "in.npz", "--exportOutput", "a.npz").status, 0)
        let r = try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz", "--exportOutput", "b.npz", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try NumPy.readArchive(contentsOf: url("a.npz")), try NumPy.readArchive(contentsOf: url("b.npz")))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let outputs = try XCTUnwrap(object["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["encoder_out", "encoder_out_lens"])
        XCTAssertEqual(outputs.first?["shape"] as? [Int], [1, 3, 8])
        XCTAssertNotNil(outputs.first?["std"] as? Double)
        XCTAssertNotNil((object["latency"] as? [String: Any])?["medianMs"] as? Double)
    }

    func testUnsupportedOpsAreAllNamed() throws {
        try TinyModels.write(TinyModels.withUnsupportedOps(), to: url("custom.onnx"))
        assertFails(try workbench("run", "--onnx", "custom.onnx", "--shapes", "speech:1x2x80"),
                    mentioning: ["foo_a", "foo_b", "bar_1"])
    }

    func testMissingModelFile() throws {
        assertFails(try workbench("run", "--onnx", "nope.onnx"), mentioning: ["nope.onnx", "no such file"])
    }

    func testTruncatedModel() throws {
        let bytes = try Data(contentsOf: url("tiny.onnx"))
        try bytes.prefix(bytes.count - 7).write(to: url("truncated.onnx"))
        assertFails(try workbench("run", "--onnx", "truncated.onnx"), mentioning: ["truncated.onnx"])
    }

    func testCorruptNpz() throws {
        try writeInputs("in.npz", [("speech", Self.speech), ("speech_lengths", Self.lengths)])
        var bytes = try Data(contentsOf: url("in.npz"))
        bytes[200] ^= 0xFF  // inside the speech array's data: its CRC no longer matches
        try bytes.write(to: url("in.npz"))
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz"),
                    mentioning: ["in.npz", "speech", "CRC"])
    }

    func testInputMissingFromNpz() throws {
        try writeInputs("in.npz", [("speech", Self.speech)])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz"),
                    mentioning: ["in.npz", "'speech_lengths' is missing"])
    }

    func testExtraInputInNpz() throws {
        try writeInputs("in.npz", [("speech", Self.speech), ("speech_lengths", Self.lengths), ("bogus", Self.lengths)])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz"),
                    mentioning: ["in.npz", "'bogus' is not an input"])
    }

    func testWrongDType() throws {
        try writeInputs("in.npz", [("speech", Self.speech), ("speech_lengths", Tensor([Int64(2)], shape: [1]))])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz"),
                    mentioning: ["speech_lengths", "int64", "int32"])
    }

    func testWrongRank() throws {
        try writeInputs("in.npz", [("speech", Self.speech.reshaped([2, 80])), ("speech_lengths", Self.lengths)])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--loadInputs", "in.npz"),
                    mentioning: ["'speech'", "rank 2", "rank 3"])
    }

    func testBadShapesString() throws {
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--shapes", "speech:1xTx80"),
                    mentioning: ["--shapes", "'T' is not a size"])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--shapes", "nosuch:1x2"),
                    mentioning: ["'nosuch' is not an input", "speech, speech_lengths"])
    }

    func testMissingSymbolicDimIsNamed() throws {
        assertFails(try workbench("run", "--onnx", "tiny.onnx"), mentioning: ["'speech'", "dim 0", "'B'"])
    }

    func testBadFlagIsOneLine() throws {
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--iterations", "0"), mentioning: ["--iterations"])
        assertFails(try workbench("run", "--onnx", "tiny.onnx", "--bogus"), mentioning: ["--bogus"])
    }
}

/// Help and version keep ArgumentParser's standard output and exit 0.
final class HelpTests: CLITestCase {
    func testHelpExitsZero() throws {
        for args in [["--help"], ["run", "--help"], ["help", "inspect"], ["--version"]] {
            let r = try CLI.run(args, in: directory)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stdout.isEmpty, "\(args)")
            XCTAssertFalse(r.stderr.contains("error"), "\(args): \(r.stderr)")
        }
        XCTAssertTrue(try CLI.run(["run", "--help"], in: directory).stdout.contains("--valRange"))
    }
}
