// SPDX-License-Identifier: BSD-3-Clause
//
// turnpike's ICE test page (ice-test.html; docs/ice-test.md). One run:
//
//   1. GET /v1/ice on this origin with "Authorization: Bearer <key>".
//   2. Gathering: one RTCPeerConnection per server URL (policy "all"), a data
//      channel to start gathering, candidates and icecandidateerror events
//      until gathering completes. The call starts when every URL is done or
//      GATHER_MS have passed; a URL still silent then keeps gathering, up to
//      LATE_GATHER_MS, because Chromium reports an unreachable server (701)
//      only when its STUN retransmissions run out, after about 40 s.
//   3. The call: two RTCPeerConnections in this page, policy "relay", only
//      the TURN entries (with the TURN username/password overrides), ICE
//      candidates handed over in-page; an ordered data channel carries
//      `messages` numbered messages, optionally a fake-camera track; the
//      selected pair, RTT and rates come from getStats.
//
// window.iceTest is the single source of truth; render() draws the page
// from it. Every wait has a timeout, and a watchdog ends the run whatever
// happens, so the page never stays "running". The API key is sent only in
// the Authorization header: never put in the URL, stored or logged.
// URL parameters (automation, shared links):
//   ?key=K&auto=1&video=1&messages=N&videoSeconds=S&turnUsername=U&turnPassword=P
'use strict';

(() => {
	const FETCH_MS = 10000;     // GET /v1/ice
	const GATHER_MS = 8000;     // then the call starts
	const LATE_GATHER_MS = 45000; // a silent URL's wait for its 701
	const CONNECT_MS = 20000;   // both peers "connected"
	const CHANNEL_MS = 20000;   // the data channel open
	const TRANSFER_MS = 30000;  // all messages across
	const CAMERA_MS = 10000;    // getUserMedia
	const STATS_MS = 5000;      // one getStats
	const SIGNAL_MS = 10000;    // createOffer ... setRemoteDescription
	const RUN_MS = 180000;      // the whole run, whatever happens
	const MAX_MESSAGES = 100000;
	const MAX_VIDEO_S = 60;

	const $ = (id) => document.getElementById(id);

	function freshResult() {
		return { state: 'idle', ice: null, gather: [], call: null, errors: [] };
	}
	window.iceTest = freshResult();

	// ---- small helpers ----

	const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

	// Reject with `what` after `ms`, so no await can hang the run.
	function withTimeout(promise, ms, what) {
		let timer;
		const t = new Promise((resolve, reject) => {
			timer = setTimeout(() => reject(new Error(what)), ms);
		});
		return Promise.race([promise, t]).finally(() => clearTimeout(timer));
	}

	// Resolve when test() holds, checked now and on each of `events` of any
	// of `targets`; reject with the text failed() returns once it returns one,
	// or with `what` after `ms`.
	function until(targets, events, test, failed, ms, what) {
		const each = (fn) => targets.forEach((t) => events.forEach((e) => fn(t, e)));
		let check;
		return withTimeout(new Promise((resolve, reject) => {
			check = () => {
				const why = failed && failed();
				if (test())
					resolve();
				else if (why)
					reject(new Error(why));
			};
			each((t, e) => t.addEventListener(e, check));
			check();
		}), ms, what).finally(() => each((t, e) => t.removeEventListener(e, check)));
	}

	function addError(where, code, text) {
		window.iceTest.errors.push({ where, code: code === undefined ? null : code, text });
	}

	function hostPort(address, port) {
		if (address == null)
			return '?';
		const a = address.includes(':') ? '[' + address + ']' : address;
		return port == null ? a : a + ':' + port;
	}

	function urlKind(url) {
		return /^turns?:/i.test(url) ? 'turn' : 'stun';
	}

	// "udp", "tcp" or "tls": how a TURN URL reaches the server.
	function urlTransport(url) {
		if (/^turns:/i.test(url))
			return 'tls';
		const m = /[?&]transport=(udp|tcp)/i.exec(url);
		return m ? m[1].toLowerCase() : 'udp';
	}

	function urlsOf(server) {
		return Array.isArray(server.urls) ? server.urls : [server.urls];
	}

	// ---- 1. /v1/ice ----

	async function fetchIce(key) {
		const r = window.iceTest;
		const ctl = new AbortController();
		const timer = setTimeout(() => ctl.abort(), FETCH_MS);
		let res, body = null;
		r.ice = { httpStatus: null, error: null, iceServers: [] };
		try {
			const headers = key ? { Authorization: 'Bearer ' + key } : {};
			res = await fetch('/v1/ice', { headers, cache: 'no-store', signal: ctl.signal,
						       credentials: 'omit', referrerPolicy: 'no-referrer' });
			r.ice.httpStatus = res.status;
			try {
				body = await res.json();
			} catch (e) {
				body = null;
			}
		} catch (e) {
			const text = e.name === 'AbortError' ? 'no answer within ' + FETCH_MS / 1000 + ' s'
							     : String(e.message || e);
			r.ice.error = { code: null, error: 'fetch_failed', message: text };
			addError('ice', null, 'GET /v1/ice failed: ' + text);
			return null;
		} finally {
			clearTimeout(timer);
		}
		if (!res.ok || !body || !Array.isArray(body.iceServers)) {
			const err = body && body.error ? body.error : 'bad_response';
			const msg = body && body.message ? body.message
				: 'the response is not the JSON /v1/ice sends';
			r.ice.error = { code: res.status, error: err, message: msg };
			addError('ice', res.status, 'GET /v1/ice: ' + res.status + ' ' + err + ': ' + msg);
			return null;
		}
		// Keep the shape, never the secret.
		r.ice.iceServers = body.iceServers.map((s) =>
			('credential' in s) ? Object.assign({}, s, { credential: '***' }) : Object.assign({}, s));
		return body.iceServers;
	}

	// The TURN username/password overrides applied to TURN entries.
	function withOverrides(servers, user, pass) {
		return servers.map((s) => {
			if (!urlsOf(s).some((u) => urlKind(u) === 'turn'))
				return s;
			const o = Object.assign({}, s);
			if (user)
				o.username = user;
			if (pass)
				o.credential = pass;
			return o;
		});
	}

	// ---- 2. gathering ----

	function candidateOf(c) {
		return { type: c.type, address: c.address, port: c.port, protocol: c.protocol };
	}

	// Collect pc's server-derived candidates and its errors into entry until
	// gathering completes or LATE_GATHER_MS pass (entry.timedOut).
	function waitGathering(pc, entry, url) {
		const seen = new Set();
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				entry.timedOut = true;
				resolve();
			}, LATE_GATHER_MS);
			const finish = () => {
				clearTimeout(timer);
				resolve();
			};
			pc.onicecandidate = (e) => {
				if (!e.candidate || !e.candidate.candidate) {
					finish();
					return;
				}
				// Host candidates are the browser's own; only what a server gave counts.
				if (e.candidate.type === 'srflx' || e.candidate.type === 'relay')
					entry.candidates.push(candidateOf(e.candidate));
				render();
			};
			pc.onicegatheringstatechange = () => {
				if (pc.iceGatheringState === 'complete')
					finish();
			};
			pc.onicecandidateerror = (e) => {
				// Chromium reports one per local address; keep one per code and text.
				const k = e.errorCode + ' ' + e.errorText;
				if (seen.has(k))
					return;
				seen.add(k);
				// url: the configured one (e.url is the browser's spelling of it).
				entry.errors.push({ code: e.errorCode, text: e.errorText, url });
				render();
			};
			pc.createDataChannel('gather');
			pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((e) => {
				entry.errors.push({ code: null, text: 'createOffer: ' + (e.message || e), url });
				finish();
			});
		});
	}

	// Gather from one URL into its window.iceTest.gather entry; its errors
	// go to window.iceTest.errors when it is done.
	async function gatherOne(server, url, entry) {
		const cfg = { urls: url };
		if (server.username !== undefined)
			cfg.username = server.username;
		if (server.credential !== undefined)
			cfg.credential = server.credential;
		let pc = null;
		try {
			pc = new RTCPeerConnection({ iceServers: [cfg], iceTransportPolicy: 'all' });
		} catch (e) {
			entry.errors.push({ code: null, text: String(e.message || e), url });
		}
		if (pc) {
			try {
				await waitGathering(pc, entry, url);
			} finally {
				pc.close();
			}
		}
		if (entry.candidates.length === 0 && entry.errors.length === 0 && entry.timedOut)
			entry.errors.push({ code: null, url,
				text: 'no candidate and no error from the server within ' + LATE_GATHER_MS / 1000 + ' s' });
		entry.done = true;
		for (const e of entry.errors)
			addError('gather', e.code, url + ': ' + (e.code != null ? e.code + ' ' : '') + e.text);
		render();
	}

	// Start gathering from every URL. Once all are done or GATHER_MS have
	// passed, returns { all }: the promise of every URL done (each bounded
	// by LATE_GATHER_MS).
	async function gatherAll(servers) {
		const jobs = [];
		for (const s of servers) {
			for (const url of urlsOf(s)) {
				const entry = { url, kind: urlKind(url), candidates: [], errors: [], done: false };
				window.iceTest.gather.push(entry);
				jobs.push(gatherOne(s, url, entry));
			}
		}
		render();
		const all = Promise.all(jobs);
		await Promise.race([all, sleep(GATHER_MS)]);
		return { all }; // wrapped: an async function's returned promise would be awaited
	}

	// ---- 3. the call ----

	async function stats(pc) {
		return withTimeout(pc.getStats(), STATS_MS, 'getStats took over ' + STATS_MS / 1000 + ' s');
	}

	function candidateFromStats(report, id) {
		const c = id && report.get(id);
		if (!c)
			return null;
		const o = { type: c.candidateType, address: c.address || c.ip, port: c.port,
			    protocol: c.protocol };
		if (c.relayProtocol)
			o.relayProtocol = c.relayProtocol;
		return o;
	}

	// The pair in use: the transport's selectedCandidatePairId, else the
	// nominated succeeded one.
	function selectedPair(report) {
		let pair = null;
		report.forEach((s) => {
			if (!pair && s.type === 'transport' && s.selectedCandidatePairId)
				pair = report.get(s.selectedCandidatePairId) || null;
		});
		if (!pair)
			report.forEach((s) => {
				if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded')
					pair = s;
			});
		return pair;
	}

	function sideOf(report) {
		const p = selectedPair(report);
		if (!p)
			return null;
		return { local: candidateFromStats(report, p.localCandidateId),
			 remote: candidateFromStats(report, p.remoteCandidateId) };
	}

	// Bytes and packets, sent plus received, per relay transport (the local
	// candidate's relayProtocol) over every candidate pair.
	function countsByTransport(report) {
		const out = {};
		report.forEach((s) => {
			if (s.type !== 'candidate-pair')
				return;
			const l = report.get(s.localCandidateId);
			const name = (l && (l.relayProtocol || l.protocol)) || 'udp';
			const o = out[name] || (out[name] = { bytes: 0, packets: 0 });
			o.bytes += (s.bytesSent || 0) + (s.bytesReceived || 0);
			o.packets += (s.packetsSent || 0) + (s.packetsReceived || 0);
		});
		return out;
	}

	function inboundVideo(report) {
		let v = null;
		report.forEach((s) => {
			if (s.type === 'inbound-rtp' && (s.kind === 'video' || s.mediaType === 'video'))
				v = s;
		});
		return v;
	}

	// Candidates from one peer go to the other once its remote description
	// is set (addIceCandidate before that fails). Counted in from.relayCount.
	function relayCandidates(from, to, remoteSet, side) {
		from.relayCount = 0;
		from.onicecandidate = (e) => {
			if (!e.candidate || !e.candidate.candidate)
				return;
			from.relayCount++;
			remoteSet.then(() => to.addIceCandidate(e.candidate)).catch((err) =>
				addError('call', null, side + ': addIceCandidate: ' + (err.message || err)));
		};
	}

	// Send n numbered messages, counting them in state.sent, without letting
	// the send buffer grow past 1 MiB.
	async function sendMessages(dc, n, state) {
		dc.bufferedAmountLowThreshold = 256 * 1024;
		for (let i = 0; i < n; i++) {
			if (dc.readyState !== 'open')
				throw new Error('the data channel closed after ' + i + ' of ' + n + ' messages were sent');
			if (dc.bufferedAmount > 1024 * 1024)
				await until([dc], ['bufferedamountlow', 'close'], () => dc.bufferedAmount <= 256 * 1024,
					    () => dc.readyState !== 'open' ? 'the data channel closed' : null,
					    TRANSFER_MS, 'the data channel stopped draining');
			dc.send('message ' + i);
			state.sent++;
		}
	}

	async function runCall(servers, opts) {
		const r = window.iceTest;
		const turn = [];
		for (const s of servers) {
			const urls = urlsOf(s).filter((u) => urlKind(u) === 'turn');
			if (urls.length)
				turn.push(Object.assign({}, s, { urls }));
		}
		if (turn.length === 0) {
			addError('call', null, 'no TURN server in /v1/ice: the relay-only call needs one');
			return;
		}
		const offered = [];
		for (const s of turn)
			for (const u of s.urls)
				if (!offered.includes(urlTransport(u)))
					offered.push(urlTransport(u));

		const call = {
			connected: false, policy: 'relay', caller: null, callee: null, rttMs: null,
			transports: offered.map((name) => ({ name, bytesPerSecond: null, packetsPerSecond: null })),
			dataChannel: { sent: 0, received: 0, inOrder: true },
			video: null,
		};
		r.call = call;
		const cfg = { iceServers: turn, iceTransportPolicy: 'relay' };
		const caller = new RTCPeerConnection(cfg);
		const callee = new RTCPeerConnection(cfg);
		let stream = null;
		try {
			await callBody(call, caller, callee, opts, (s) => { stream = s; });
		} finally {
			if (stream)
				stream.getTracks().forEach((t) => t.stop());
			const v = $('remote-video');
			v.srcObject = null;
			v.hidden = true;
			caller.close();
			callee.close();
		}
	}

	async function callBody(call, caller, callee, opts, keepStream) {
		let calleeSet, callerSet;
		const calleeRemote = new Promise((res) => { calleeSet = res; });
		const callerRemote = new Promise((res) => { callerSet = res; });
		relayCandidates(caller, callee, calleeRemote, 'callee');
		relayCandidates(callee, caller, callerRemote, 'caller');

		// The receiving side counts and checks the order as messages arrive.
		const dcState = call.dataChannel;
		let expect = 0, allIn;
		const allArrived = new Promise((res) => { allIn = res; });
		callee.ondatachannel = (e) => {
			e.channel.onmessage = (m) => {
				if (m.data !== 'message ' + expect)
					dcState.inOrder = false;
				expect++;
				dcState.received++;
				if (dcState.received >= opts.messages)
					allIn();
			};
		};
		callee.ontrack = (e) => {
			const v = $('remote-video');
			v.srcObject = e.streams[0] || new MediaStream([e.track]);
			v.hidden = false;
		};
		const tx = caller.createDataChannel('messages', { ordered: true });

		let track = null;
		if (opts.video) {
			try {
				const stream = await withTimeout(navigator.mediaDevices.getUserMedia({ video: true }),
					CAMERA_MS, 'no answer within ' + CAMERA_MS / 1000 + ' s');
				keepStream(stream);
				track = stream.getVideoTracks()[0];
				caller.addTrack(track, stream);
			} catch (e) {
				addError('call', null, 'camera (getUserMedia): ' + (e.name ? e.name + ': ' : '') + e.message);
			}
		}

		// Offer and answer, handed over in-page.
		await withTimeout((async () => {
			const offer = await caller.createOffer();
			await caller.setLocalDescription(offer);
			await callee.setRemoteDescription(offer);
			calleeSet();
			const answer = await callee.createAnswer();
			await callee.setLocalDescription(answer);
			await caller.setRemoteDescription(answer);
			callerSet();
		})(), SIGNAL_MS, 'the offer/answer exchange took over ' + SIGNAL_MS / 1000 + ' s');

		// Connected on both sides, or a clear reason.
		const both = () => caller.connectionState === 'connected' && callee.connectionState === 'connected';
		const noRelay = (pc) => pc.iceGatheringState === 'complete' && pc.relayCount === 0;
		const failed = () => {
			if (noRelay(caller) || noRelay(callee))
				return 'the ' + (noRelay(caller) ? 'caller' : 'callee') + ' got no relay candidate: ' +
				       'every TURN server refused or did not answer (see the gathering errors)';
			if (caller.connectionState === 'failed' || callee.connectionState === 'failed')
				return 'ICE failed: no working path between the two relay candidates (caller ' +
				       caller.connectionState + ', callee ' + callee.connectionState + ')';
			return null;
		};
		try {
			await until([caller, callee], ['connectionstatechange', 'icegatheringstatechange'], both,
				    failed, CONNECT_MS, 'timeout');
		} catch (e) {
			const text = e.message === 'timeout'
				? 'the peers did not connect through the relay within ' + CONNECT_MS / 1000 +
				  ' s (caller ' + caller.connectionState + ', callee ' + callee.connectionState + ')'
				: e.message;
			addError('call', null, text);
			await describeSides(call, caller, callee);
			return;
		}
		call.connected = true;
		render();

		// Rates are measured from here to the end of the call.
		const t0 = performance.now();
		const a = await stats(caller);
		const v0 = inboundVideo(await stats(callee));

		try {
			await until([tx], ['open', 'close'], () => tx.readyState === 'open',
				    () => tx.readyState === 'closed' ? 'closed before it opened' : null, CHANNEL_MS,
				    'did not open within ' + CHANNEL_MS / 1000 + ' s');
			await sendMessages(tx, opts.messages, dcState);
			await withTimeout(allArrived, TRANSFER_MS, 'timeout');
		} catch (e) {
			const text = e.message !== 'timeout' ? e.message
				: 'only ' + dcState.received + ' of ' + opts.messages + ' messages arrived within ' +
				  TRANSFER_MS / 1000 + ' s';
			addError('call', null, 'data channel: ' + text);
		}
		if (dcState.received === opts.messages && !dcState.inOrder)
			addError('call', null, 'data channel: messages arrived out of order');

		// Let the video run its time (and every sample span >= 1 s).
		const want = track ? opts.videoSeconds * 1000 : 1000;
		const left = want - (performance.now() - t0);
		if (left > 0)
			await sleep(left);
		const secs = (performance.now() - t0) / 1000;
		const b = await stats(caller);
		const calleeEnd = await stats(callee);

		const ca = countsByTransport(a), cb = countsByTransport(b);
		for (const t of call.transports) {
			const x = ca[t.name] || { bytes: 0, packets: 0 }, y = cb[t.name] || { bytes: 0, packets: 0 };
			t.bytesPerSecond = Math.round((y.bytes - x.bytes) / secs);
			t.packetsPerSecond = Math.round((y.packets - x.packets) / secs);
		}
		await describeSides(call, caller, callee, b, calleeEnd);

		if (track) {
			const v1 = inboundVideo(calleeEnd);
			const f0 = (v0 && v0.framesDecoded) || 0, f1 = (v1 && v1.framesDecoded) || 0;
			const b0 = (v0 && v0.bytesReceived) || 0, b1 = (v1 && v1.bytesReceived) || 0;
			call.video = { seconds: Math.round(secs * 10) / 10, framesDecoded: f1 - f0,
				       framesPerSecond: Math.round((f1 - f0) / secs * 10) / 10,
				       bytesPerSecond: Math.round((b1 - b0) / secs) };
			if (f1 - f0 <= 0)
				addError('call', null, 'video: no frame was decoded in ' + call.video.seconds + ' s');
		}
	}

	// The selected pair on each side, and the RTT, from getStats.
	async function describeSides(call, caller, callee, a, b) {
		try {
			a = a || await stats(caller);
			b = b || await stats(callee);
		} catch (e) {
			addError('call', null, e.message);
			return;
		}
		call.caller = sideOf(a);
		call.callee = sideOf(b);
		// The latest ICE check's RTT, and (extra) the mean over all checks,
		// which one slow answer on a busy machine does not swing.
		const p = selectedPair(a);
		if (p && typeof p.currentRoundTripTime === 'number')
			call.rttMs = Math.round(p.currentRoundTripTime * 10000) / 10;
		if (p && p.responsesReceived > 0 && typeof p.totalRoundTripTime === 'number')
			call.rttMeanMs = Math.round(p.totalRoundTripTime / p.responsesReceived * 10000) / 10;
	}

	// ---- the run ----

	function readForm() {
		let messages = parseInt($('messages').value, 10);
		if (!(messages >= 1))
			messages = 1000;
		let videoSeconds = parseFloat($('video-seconds').value);
		if (!(videoSeconds > 0))
			videoSeconds = 5;
		return {
			key: $('api-key').value.trim(),
			turnUsername: $('turn-username').value,
			turnPassword: $('turn-password').value,
			video: $('video').checked,
			messages: Math.min(messages, MAX_MESSAGES),
			videoSeconds: Math.min(videoSeconds, MAX_VIDEO_S),
		};
	}

	async function runSteps(opts) {
		if (typeof RTCPeerConnection !== 'function') {
			addError('call', null, 'this browser has no WebRTC (RTCPeerConnection)');
			return;
		}
		const servers = await fetchIce(opts.key);
		render();
		if (!servers)
			return;
		const used = withOverrides(servers, opts.turnUsername, opts.turnPassword);
		const late = await gatherAll(used);
		render();
		await runCall(used, opts);
		await late.all;
	}

	let running = false;

	async function run() {
		if (running)
			return;
		running = true;
		const opts = readForm();
		window.iceTest = freshResult();
		window.iceTest.state = 'running';
		$('run').disabled = true;
		$('result-json').textContent = '';
		render();
		let watchdog;
		try {
			await Promise.race([
				runSteps(opts),
				new Promise((resolve, reject) => {
					watchdog = setTimeout(() => reject(new Error('the run took over ' +
						RUN_MS / 1000 + ' s and was stopped')), RUN_MS);
				}),
			]);
		} catch (e) {
			addError(window.iceTest.call ? 'call' : 'ice', null, String(e.message || e));
		} finally {
			clearTimeout(watchdog);
		}
		const r = window.iceTest;
		r.state = r.errors.length ? 'error' : 'done';
		$('result-json').textContent = JSON.stringify(r, null, 2);
		$('run').disabled = false;
		running = false;
		render();
	}

	// ---- rendering (from window.iceTest only) ----

	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {}))
			e.setAttribute(k, v);
		for (const c of children)
			if (c != null)
				e.append(c);
		return e;
	}

	function renderGather(r) {
		const box = $('gather');
		box.replaceChildren();
		if (r.gather.length === 0) {
			box.append(el('p', { class: 'muted' }, r.state === 'idle' ? 'Not run yet.' : 'No server URL.'));
			return;
		}
		const tbody = el('tbody');
		for (const g of r.gather) {
			tbody.append(el('tr', { class: 'url' }, el('td', { colspan: '3', class: 'mono' }, g.url)));
			for (const c of g.candidates)
				tbody.append(el('tr', {}, el('td', {}, c.type),
					el('td', { class: 'mono' }, hostPort(c.address, c.port)), el('td', {}, c.protocol)));
			for (const e of g.errors)
				tbody.append(el('tr', { class: 'err' }, el('td', {}, 'error ' + (e.code != null ? e.code : '')),
					el('td', { colspan: '2' }, e.text)));
			if (g.candidates.length === 0 && g.errors.length === 0) {
				const text = !g.done ? 'gathering… (an unreachable server is reported after about 40 s)'
					: g.kind === 'turn' ? 'no relay candidate'
					: 'no srflx candidate: the server saw the browser\'s own address (no NAT between them)';
				tbody.append(el('tr', {}, el('td', { colspan: '3', class: 'muted' }, text)));
			}
		}
		box.append(el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'type'),
			el('th', {}, 'address:port'), el('th', {}, 'protocol'))), tbody));
	}

	function pairText(side) {
		if (!side)
			return el('span', { class: 'muted' }, 'no selected pair');
		const c = (x) => x ? x.type + ' ' + hostPort(x.address, x.port) + ' ' + (x.protocol || '') : '?';
		return el('span', { class: 'mono' }, c(side.local) + '  ⇄  ' + c(side.remote));
	}

	function renderCall(r) {
		const box = $('call');
		box.replaceChildren();
		const c = r.call;
		if (!c) {
			const text = r.state === 'idle' ? 'Not run yet.'
				: r.state === 'running' ? 'Waiting for gathering…' : 'No call was made.';
			box.append(el('p', { class: 'muted' }, text));
			return;
		}
		const dl = el('dl', { class: 'kv' });
		const row = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
		row('connected', el('span', { class: c.connected ? 'ok' : (r.state === 'running' ? 'muted' : 'bad') },
			c.connected ? 'yes (policy relay)' : (r.state === 'running' ? 'connecting…' : 'no')));
		row('caller pair', pairText(c.caller));
		row('callee pair', pairText(c.callee));
		row('round-trip time', c.rttMs == null ? '–' : c.rttMs + ' ms' +
			(c.rttMeanMs != null ? ' (mean ' + c.rttMeanMs + ' ms)' : ''));
		for (const t of c.transports)
			row('transport ' + t.name, t.bytesPerSecond != null
				? t.bytesPerSecond.toLocaleString('en') + ' bytes/s, ' +
				  t.packetsPerSecond.toLocaleString('en') + ' packets/s' : '–');
		const d = c.dataChannel;
		row('data channel', el('span', { class: r.state === 'running' ? '' :
			(d.received === d.sent && d.sent > 0 && d.inOrder ? 'ok' : 'bad') },
			d.received + '/' + d.sent + ' messages' + (d.inOrder ? ', in order' : ', OUT OF ORDER')));
		if (c.video)
			row('video', c.video.framesDecoded + ' frames in ' + c.video.seconds + ' s (' +
				c.video.framesPerSecond + ' fps, ' + c.video.bytesPerSecond.toLocaleString('en') + ' bytes/s)');
		box.append(dl);
		box.append(el('p', { class: 'muted note' }, 'Pairs read local ⇄ remote. Rates are bytes and ' +
			'packets sent plus received by the caller, per relay transport, over the whole call.'));
	}

	function render() {
		const r = window.iceTest;
		const st = $('status');
		st.dataset.state = r.state;
		if (r.state === 'error') {
			const first = r.errors[0] ? r.errors[0].text : 'unknown';
			st.textContent = 'error: ' + first + (r.errors.length > 1 ? ' (+' + (r.errors.length - 1) + ' more)' : '');
		} else {
			st.textContent = r.state;
		}
		renderGather(r);
		renderCall(r);
		const ul = $('errors');
		ul.replaceChildren();
		if (r.errors.length === 0)
			ul.append(el('li', { class: 'muted' }, 'none'));
		for (const e of r.errors)
			ul.append(el('li', { class: 'err' }, '[' + e.where + '] ' +
				(e.code != null && !e.text.includes(String(e.code)) ? e.code + ' ' : '') + e.text));
	}

	// ---- start ----

	function init() {
		const q = new URLSearchParams(location.search);
		if (q.has('key'))
			$('api-key').value = q.get('key');
		if (q.has('turnUsername'))
			$('turn-username').value = q.get('turnUsername');
		if (q.has('turnPassword'))
			$('turn-password').value = q.get('turnPassword');
		if (q.has('video'))
			$('video').checked = q.get('video') === '1' || q.get('video') === 'true';
		if (q.has('messages'))
			$('messages').value = q.get('messages');
		if (q.has('videoSeconds'))
			$('video-seconds').value = q.get('videoSeconds');
		// Secrets from a link should not stay in the address bar or history.
		if (q.has('key') || q.has('turnPassword')) {
			q.delete('key');
			q.delete('turnPassword');
			const s = q.toString();
			history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
		}
		$('form').addEventListener('submit', (e) => {
			e.preventDefault();
			run();
		});
		render();
		if (q.get('auto') === '1')
			run();
	}

	init();
})();
