"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.systemClock = void 0;
/** The real clock. */
exports.systemClock = { nowMs: () => Date.now() };
//# sourceMappingURL=ports.js.map