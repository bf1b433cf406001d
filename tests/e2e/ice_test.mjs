// SPDX-License-Identifier: BSD-3-Clause
//
// Drives turnpike-control's ICE test page (GET /ui/ice-test) in Debian's
// Chromium through playwright-core, for one case, and checks what the page
// reports in window.iceTest and shows in #errors. run_e2e.sh starts the
// appliance and runs this inside the test's network namespace:
//
//   ip netns exec NS node ice_test.mjs CASE
//
//   CASE  call          relay-only call: both selected pairs on the relay
//                       address, E2E_MESSAGES data-channel messages without
//                       loss and in order, E2E_VIDEO_SECONDS of fake-camera
//                       video; screenshot to E2E_ARTIFACTS/ice-test.png
//         wrong-key     a wrong API key: 401 and /v1/ice's message shown
//         wrong-turn-password
//                       a wrong TURN password: icecandidateerror 401 and its
//                       text for each TURN URL, no relay candidate
//
// Environment: E2E_BASE (default http://127.0.0.1:8080), E2E_KEY (the API
// key, required), E2E_RELAY (default 198.18.0.2), E2E_ARTIFACTS (directory,
// default ./artifacts), E2E_RESULT (file to write the final window.iceTest
// to, optional), E2E_MESSAGES (1000), E2E_VIDEO_SECONDS (5),
// E2E_MIN_FRAMES (50), E2E_TIMEOUT_S (70: the whole case),
// E2E_CHROMIUM (/usr/bin/chromium).
//
// Exit status 0 when every check passed; otherwise each failed check is
// printed as "FAIL: ..." and the status is 1. Never downloads a browser.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

const env = process.env;
const BASE = env.E2E_BASE || "http://127.0.0.1:8080";
const KEY = env.E2E_KEY || "";
const RELAY = env.E2E_RELAY || "198.18.0.2";
const ARTIFACTS = env.E2E_ARTIFACTS || "artifacts";
const MESSAGES = Number(env.E2E_MESSAGES || 1000);
const VIDEO_SECONDS = Number(env.E2E_VIDEO_SECONDS || 5);
const MIN_FRAMES = Number(env.E2E_MIN_FRAMES || 50);
const TIMEOUT_MS = Number(env.E2E_TIMEOUT_S || 70) * 1000;
const CHROMIUM = env.E2E_CHROMIUM || "/usr/bin/chromium";

// The flags the machine needs (c.md): no sandbox as root, no GPU, the fake
// camera granted without a prompt, and none of Chromium's own connections
// to Google, which the closed network refuses.
const CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--use-fake-device-for-media-stream",
	"--use-fake-ui-for-media-stream",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
	"--disable-quic",
];

const failures = [];
function check(ok, what, detail) {
	if (ok) {
		console.log(`ok: ${what}`);
	} else {
		failures.push(what);
		console.log(`FAIL: ${what}${detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
	}
	return ok;
}

function usage(msg) {
	console.error(`ice_test.mjs: ${msg}\nusage: node ice_test.mjs call|wrong-key|wrong-turn-password`);
	process.exit(2);
}

// Open the page with auto=1 and the case's parameters, and wait until
// window.iceTest leaves "idle"/"running". Returns the final iceTest.
async function runPage(page, params, budgetMs) {
	const url = new URL("/ui/ice-test", BASE);
	for (const [k, v] of Object.entries({ auto: "1", ...params })) url.searchParams.set(k, String(v));
	console.log(`open ${url.pathname}${url.search.replace(/key=[^&]*/, "key=***")}`);
	const resp = await page.goto(url.href, { waitUntil: "load", timeout: 15000 });
	check(resp && resp.status() === 200, "GET /ui/ice-test is 200", resp && resp.status());
	check(/^text\/html/.test((resp && resp.headers()["content-type"]) || ""),
		"the page is text/html", resp && resp.headers()["content-type"]);
	await page.waitForFunction(
		() => window.iceTest && (window.iceTest.state === "done" || window.iceTest.state === "error"),
		null, { timeout: budgetMs, polling: 250 });
	// #result-json is rendered from window.iceTest when the run ends.
	await page.waitForFunction(() => document.querySelector("#result-json")?.textContent.trim() !== "",
		null, { timeout: 5000 });
	return page.evaluate(() => JSON.parse(JSON.stringify(window.iceTest)));
}

async function text(page, sel) {
	return (await page.locator(sel).textContent({ timeout: 5000 })) || "";
}

function sameCand(a, b) {
	return a && b && a.type === b.type && a.address === b.address && a.port === b.port;
}

async function caseCall(page, t) {
	const r = await runPage(page, { key: KEY, video: 1, messages: MESSAGES, videoSeconds: VIDEO_SECONDS },
		t);
	const c = r.call || {};
	check(r.state === "done", "state is done", { state: r.state, errors: r.errors });
	check(Array.isArray(r.errors) && r.errors.length === 0, "no errors", r.errors);
	check(r.ice && r.ice.httpStatus === 200, "/v1/ice answered 200", r.ice);
	check(c.connected === true && c.policy === "relay", "the relay-only call connected",
		{ connected: c.connected, policy: c.policy });
	for (const side of ["caller", "callee"]) {
		const s = c[side] || {};
		check(s.local && s.local.type === "relay" && s.local.address === RELAY,
			`${side}'s selected local candidate is relay on ${RELAY}`, s.local);
		check(s.remote && s.remote.type === "relay" && s.remote.address === RELAY,
			`${side}'s selected remote candidate is relay on ${RELAY}`, s.remote);
	}
	// Each side's remote is the other's relayed address (hairpin in turnpike).
	check(sameCand(c.caller?.remote, c.callee?.local) && sameCand(c.callee?.remote, c.caller?.local),
		"each side's remote candidate is the other side's relay candidate", { caller: c.caller, callee: c.callee });
	check(c.caller?.local?.port !== c.callee?.local?.port, "two distinct relayed ports",
		[c.caller?.local?.port, c.callee?.local?.port]);
	const dc = c.dataChannel || {};
	check(dc.sent >= MESSAGES && dc.sent >= 1000 && dc.received === dc.sent && dc.inOrder === true,
		`data channel: ${dc.received}/${dc.sent} messages, in order`, dc);
	const v = c.video || {};
	check(v.seconds >= 5 && v.framesDecoded >= MIN_FRAMES,
		`video: ${v.framesDecoded} frames decoded in ${v.seconds} s (>= ${MIN_FRAMES})`, v);
	check(typeof c.rttMs === "number" && c.rttMs >= 0 && c.rttMs < 10000, `RTT ${c.rttMs} ms`, c.rttMs);
	const tr = Array.isArray(c.transports) ? c.transports : [];
	check(tr.length > 0 && tr.every((x) => x.packetsPerSecond > 0 && x.bytesPerSecond > 0),
		"bytes and packets per second for each transport", tr);
	// A relay candidate gathered from the TURN URL on the relay address.
	const turn = (r.gather || []).filter((g) => g.kind === "turn");
	check(turn.some((g) => g.candidates.some((x) => x.type === "relay" && x.address === RELAY)),
		`gathering found a relay candidate on ${RELAY}`, r.gather);
	const callText = await text(page, "#call");
	check(callText.includes(RELAY) && /relay/.test(callText), "#call shows the relay pair", callText.slice(0, 300));
	check((await text(page, "#status")).trim() === "done", "#status says done");
	return r;
}

async function caseWrongKey(page, t) {
	// What the API itself says to this key, to find on the page.
	const api = await fetch(new URL("/v1/ice", BASE), { headers: { Authorization: "Bearer wrong-" + KEY } });
	const body = await api.json();
	check(api.status === 401 && typeof body.message === "string" && body.message.length > 0,
		"/v1/ice refuses the wrong key with 401 and a message", body);
	const r = await runPage(page, { key: "wrong-" + KEY }, t);
	check(r.state === "error", "state is error", r.state);
	check(r.ice && r.ice.httpStatus === 401 && r.ice.error && r.ice.error.code === 401 &&
		r.ice.error.message === body.message, "iceTest.ice carries 401 and the message", r.ice);
	check((r.errors || []).some((e) => e.where === "ice" && e.code === 401 && e.text.includes(body.message)),
		"iceTest.errors has the 401 with its message", r.errors);
	const shown = await text(page, "#errors");
	console.log(`#errors: ${shown.trim().replace(/\s+/g, " ")}`);
	check(shown.includes("401") && shown.includes(body.message), "#errors shows 401 and the message", shown);
	check((await text(page, "#status")).startsWith("error"), "#status says error");
	check(!r.call || r.call.connected !== true, "no call without ICE servers", r.call);
	return r;
}

async function caseWrongTurnPassword(page, t) {
	const r = await runPage(page, { key: KEY, turnPassword: "not-the-password", messages: 10 }, t);
	const turn = (r.gather || []).filter((g) => g.kind === "turn");
	check(turn.length > 0, "the TURN URLs were gathered from", r.gather);
	for (const g of turn) {
		check(g.errors.some((e) => e.code === 401 && e.text && e.url === g.url),
			`${g.url}: icecandidateerror 401 with its text`, g.errors);
		check(!g.candidates.some((x) => x.type === "relay"), `${g.url}: no relay candidate`, g.candidates);
	}
	const errs = (r.errors || []).filter((e) => e.where === "gather" && e.code === 401);
	check(errs.length > 0 && errs.every((e) => e.text), "iceTest.errors has the 401s with their text", r.errors);
	const shown = await text(page, "#errors");
	console.log(`#errors: ${shown.trim().replace(/\s+/g, " ")}`);
	const first = turn.flatMap((g) => g.errors).find((e) => e.code === 401);
	check(shown.includes("401") && first && shown.includes(first.text),
		"#errors shows 401 and its text", shown);
	check(!r.call || r.call.connected !== true, "no relay-only call with a wrong password", r.call);
	return r;
}

const CASES = { "call": caseCall, "wrong-key": caseWrongKey, "wrong-turn-password": caseWrongTurnPassword };

async function main() {
	const name = process.argv[2];
	const fn = CASES[name];
	if (!fn) usage(`unknown case ${JSON.stringify(name)}`);
	if (!KEY) usage("E2E_KEY is not set");

	const deadline = Date.now() + TIMEOUT_MS;
	// launch() makes a fresh user data dir under $TMPDIR and removes it on close.
	const browser = await chromium.launch({
		executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000,
	});
	let result = null;
	try {
		const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
		const origin = new URL(BASE).origin;
		const foreign = [];
		page.on("request", (req) => {
			const u = req.url();
			if (!u.startsWith(origin + "/") && !/^(data|blob):/.test(u)) foreign.push(u);
		});
		// Logged for the reader; the checks judge what the page reports.
		// (A 401 from /v1/ice is expected in wrong-key; Chromium asks for
		// /favicon.ico by itself.)
		page.on("response", (res) => {
			if (res.status() >= 400) console.log(`http ${res.status()} ${new URL(res.url()).pathname}`);
		});
		page.on("console", (m) => {
			if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
				console.log(`console.error: ${m.text()}`);
		});
		page.on("pageerror", (e) => check(false, `uncaught exception in the page: ${e.message}`));
		const budget = Math.max(5000, deadline - Date.now() - 10000);
		try {
			result = await fn(page, budget);
		} catch (e) {
			check(false, `${name}: ${e.message.split("\n")[0]}`);
			result = await page.evaluate(() => window.iceTest).catch(() => null);
			console.log(`iceTest at failure: ${JSON.stringify(result)}`);
		}
		check(foreign.length === 0, "the page loads nothing from another origin", foreign);
		if (name === "call") {
			await mkdir(ARTIFACTS, { recursive: true });
			const shot = path.resolve(ARTIFACTS, "ice-test.png");
			await page.screenshot({ path: shot, fullPage: true, timeout: 10000 });
			console.log(`screenshot: ${shot}`);
		}
	} finally {
		await browser.close();
	}
	if (env.E2E_RESULT) await writeFile(env.E2E_RESULT, JSON.stringify(result, null, 1) + "\n");
	if (result && result.call) {
		const c = result.call;
		console.log(`figures: rttMs=${c.rttMs} messages=${c.dataChannel?.received}/${c.dataChannel?.sent} ` +
			`framesDecoded=${c.video?.framesDecoded} fps=${c.video?.framesPerSecond} ` +
			`transports=${JSON.stringify(c.transports)}`);
	}
	console.log(failures.length ? `${name}: ${failures.length} check(s) failed` : `${name}: PASS`);
	process.exit(failures.length ? 1 : 0);
}

// A hard stop in case Chromium or the page hangs outside every timeout.
setTimeout(() => { console.log(`FAIL: case did not finish within ${TIMEOUT_MS / 1000 + 10} s`); process.exit(1); },
	TIMEOUT_MS + 10000).unref();

main().catch((e) => { console.log(`FAIL: ${e.stack || e}`); process.exit(1); });
