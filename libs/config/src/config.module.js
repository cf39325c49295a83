"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigModule = exports.PUSH_CONFIG = void 0;
const common_1 = require("@nestjs/common");
const config_schema_1 = require("./config.schema");
/** Injection token of the validated PushConfig. */
exports.PUSH_CONFIG = Symbol('PUSH_CONFIG');
/** Provides the PushConfig, validated once when the module is built (boot fails fast on bad env). */
let ConfigModule = class ConfigModule {
};
exports.ConfigModule = ConfigModule;
exports.ConfigModule = ConfigModule = __decorate([
    (0, common_1.Global)(),
    (0, common_1.Module)({
        providers: [{ provide: exports.PUSH_CONFIG, useFactory: () => (0, config_schema_1.loadConfig)() }],
        exports: [exports.PUSH_CONFIG],
    })
], ConfigModule);
//# sourceMappingURL=config.module.js.map