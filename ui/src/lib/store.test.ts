import { describe, expect, it } from "vitest";
import type { StoreReport } from "./bindings";
import { storeName } from "./store";

describe("storeName", () => {
  it("names the store the vault uses as the core describes it", () => {
    const report: StoreReport = {
      store: "file",
      described: "the encrypted-file store",
      chosen_by: "vault",
      location: "/vault/secrets",
      key: null,
      key_described: null,
      warning: null,
    };
    expect(storeName(report)).toBe("the encrypted-file store");
  });
  it("claims neither while the health is not known yet", () => {
    expect(storeName(null)).toBe("the vault's store");
    expect(storeName(undefined)).toBe("the vault's store");
  });
});
