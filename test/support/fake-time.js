/**
 * Time that moves only when code under test waits: `sleep(ms)` advances it by `ms` at once and
 * records the wait. Shared by the fake Discord and the client, rate-limit windows pass instantly.
 */
export class FakeTime {
    current;
    waits = [];
    constructor(current = Date.UTC(2026, 10, 25, 12)) {
        this.current = current;
    }
    now() {
        return this.current;
    }
    advance(ms) {
        this.current += ms;
    }
    sleep = (ms) => {
        this.waits.push(ms);
        this.current += Math.max(0, ms);
        return Promise.resolve();
    };
}
//# sourceMappingURL=fake-time.js.map