// What the TypeScript interop clients of scripts/gateway-interop.sh share: a check that fails
// with a reason, the texts of a result, a short dump, the --url argument, and the exit line.

export const check = (cond, msg) => {
    if (!cond) throw new Error(msg);
};
export const texts = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
export const dump = (o) => JSON.stringify(o)?.slice(0, 600);
export const urlArg = () => process.argv[process.argv.indexOf('--url') + 1];

// Runs `checks()`, closes the client, and exits 0 when every check passed, 1 otherwise.
export async function runChecks(name, client, checks) {
    try {
        await checks();
        console.log(`[${name}] all checks passed`);
        await client.close();
        process.exit(0);
    } catch (e) {
        console.error(`[${name}] FAIL: ${e?.message ?? e}`);
        process.exit(1);
    }
}
