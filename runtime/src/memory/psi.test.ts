import { describe, expect, it } from "vitest";
import { parsePsi, readPsi } from "./psi.ts";

describe("PSI from /proc/pressure/memory", () => {
  it("reads some and full avg10", async () => {
    const text = "some avg10=1.25 avg60=0.50 avg300=0.10 total=12345\nfull avg10=0.75 avg60=0.00 avg300=0.00 total=99\n";
    expect(parsePsi(text)).toEqual({ someAvg10: 1.25, fullAvg10: 0.75 });
    expect(await readPsi(async () => text)).toEqual({ someAvg10: 1.25, fullAvg10: 0.75 });
  });

  it("accepts kernels without the full line and hosts without PSI", async () => {
    expect(parsePsi("some avg10=3.00 avg60=0.00 avg300=0.00 total=0\n")).toEqual({ someAvg10: 3, fullAvg10: null });
    expect(await readPsi(async () => undefined)).toBeUndefined();
  });
});
