#!/usr/bin/env python3
"""Writes print_corpus.json: goldens for JSONValue printing, produced by Python's json.

Each case is a JSON text; for each (indent, ensure_ascii) variant the expected output is
json.dumps(json.loads(text), indent=indent, ensure_ascii=ensure_ascii). The "floats"
section pairs IEEE-754 bit patterns with repr(float). Run from this folder:
    python3 make_print_corpus.py
"""
import json
import random
import struct

CASES = [
    'null', 'true', 'false', '0', '-0', '1', '-1', '42',
    '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', '-9223372036854775809',
    '12345678901234567890123', '18446744073709551616',
    '[123456789012345678901234567890, 1]',
    '1.0', '-0.0', '0.0', '1e100', '1E100', '1e-05', '1e16', '1e15', '0.1', '1.50', '100.0',
    '1E2', '2.5e-7', '0.0001', '0.00001', '123456789.123', '1.7976931348623157e308',
    '5e-324', '2.2250738585072014e-308', '3.141592653589793', '-1.5e+300', '1e22', '1e21',
    '9007199254740993.0', '12345678901234567.0', '0.30000000000000004', '1.0000000000000002',
    '""', '"plain"', '"quote \\" backslash \\\\ slash \\/"',
    '"\\b\\f\\n\\r\\t"', '"\\u0000\\u0001\\u001f\\u007f\\u0080"',
    '"caf\\u00e9 \\u65e5\\u672c\\u8a9e"', '"emoji \\ud83d\\ude00 and \\ud834\\udd1e"',
    '"line sep \\u2028 para sep \\u2029"', '"\\ufeff bom \\uffff"',
    '"r\u00e9sum\u00e9 raw utf8 \u4e2d\u6587"',
    '[]', '{}', '[[]]', '{"a": {}}', '[{}, [], [[]], {"x": []}]',
    '[1, 2.5, "three", null, true, false]',
    '{"b": 1, "a": 2, "c": {"z": [1, {"y": null}], "x": "s"}}',
    '{"a": 1, "b": 2, "a": 3}',
    '{"\\u00e9": 1, "e\\u0301": 2, "\\u00e9": 3}',
    '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius", "days": 3}}',
    '{"k\\u00e9y": "v\\n", "": 0, " ": [0.5]}',
    '[[[[[[1]]]]], {"deep": {"deeper": {"deepest": [1.0, -0.0, 1e-7]}}}]',
]

VARIANTS = [(None, False), (None, True), (2, False), (4, True), (0, False)]


def main():
    cases = []
    for i, text in enumerate(CASES):
        value = json.loads(text)
        for indent, ensure_ascii in VARIANTS:
            cases.append({
                "input": text,
                "indent": indent,
                "ensure_ascii": ensure_ascii,
                "expected": json.dumps(value, indent=indent, ensure_ascii=ensure_ascii),
            })
    rng = random.Random(20261125)
    floats = [0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 5e-324,
              1.7976931348623157e308, 2.0 ** 53, 2.0 ** 53 + 2, 123.456, 1 / 3]
    for _ in range(400):
        floats.append(struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0])
    for _ in range(200):
        floats.append(rng.uniform(-1e6, 1e6))
    for _ in range(200):
        floats.append(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
    float_rows = []
    for f in floats:
        if f != f or f in (float('inf'), float('-inf')):
            continue
        bits = struct.unpack('<Q', struct.pack('<d', f))[0]
        float_rows.append({"bits": "%016x" % bits, "repr": repr(f)})
    with open("print_corpus.json", "w") as out:
        json.dump({"cases": cases, "floats": float_rows}, out, indent=1, ensure_ascii=True)
        out.write("\n")


if __name__ == "__main__":
    main()
