// PIXM review player: frame-accurate timecode from requestVideoFrameCallback (the frame's own media time,
// not currentTime), frame stepping, go to TC/frame, circle/select/rating and comments at a frame or range.
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("clipdata").textContent);
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const fps = cfg.fps_num / cfg.fps_den;
  const nominal = Math.round(fps);
  const dropFrame = cfg.drop_frame && (cfg.fps_den === 1001) && nominal % 30 === 0;
  const last = Math.max(0, cfg.frames - 1);
  const video = document.getElementById("video");
  const still = document.getElementById("still");
  const $ = (id) => document.getElementById(id);
  let current = 0, presented = null, markIn = null, markOut = null;

  // SMPTE ST 12-1 label of a frame count since midnight (as core.timecode.frames_to_tc)
  function label(frames) {
    let sep = ":";
    if (dropFrame) {
      const drop = 2 * nominal / 30, per10 = nominal * 600 - drop * 9, perMin = nominal * 60 - drop;
      frames %= per10 * 6 * 24;
      const tens = Math.floor(frames / per10), rem = frames % per10;
      frames += drop * 9 * tens + (rem >= drop ? drop * Math.floor((rem - drop) / perMin) : 0);
      sep = ";";
    }
    const ff = frames % nominal, s = Math.floor(frames / nominal);
    const p = (n) => String(n).padStart(2, "0");
    return `${p(Math.floor(s / 3600) % 24)}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}${sep}${p(ff)}`;
  }
  function parseLabel(text) {  // "HH:MM:SS:FF" (or ;FF) → frame of the clip; a plain number is a frame
    text = text.trim();
    if (/^\d+$/.test(text)) return parseInt(text, 10);
    const m = /^(\d\d):(\d\d):(\d\d)[:;.](\d\d)$/.exec(text);
    if (!m) return null;
    for (let f = 0; f <= last; f++) if (label(cfg.start_frame + f) === text.replace(".", ":")) return f;
    return null;
  }
  function show(frame, source) {
    current = frame;
    const tc = label(cfg.start_frame + frame);
    $("tc").textContent = tc;
    $("tc").dataset.frame = String(frame);
    $("tc").dataset.source = source;
    $("frame").textContent = String(frame);
    if ($("at")) $("at").textContent = tc;
    $("scrub").value = String(frame);
  }
  function seek(frame) {
    frame = Math.min(last, Math.max(0, frame));
    if (video && frame === presented && video.paused) {
      show(frame, "frame");  // already on screen: a seek to it would present no new frame
    } else if (video) {
      $("tc").dataset.source = "seeking";
      video.currentTime = (frame + 0.5) / fps;  // the middle of the frame: never the edge of its neighbour
    } else if (still && cfg.thumbs.length) {
      const i = Math.min(cfg.thumbs.length - 1, Math.round(frame / Math.max(1, last) * (cfg.thumbs.length - 1)));
      still.src = cfg.thumbs[i];
      show(frame, "thumb");
    } else {
      show(frame, "none");
    }
  }
  if (video) {
    const onFrame = (_now, meta) => {
      presented = Math.min(last, Math.max(0, Math.round(meta.mediaTime * fps)));
      show(presented, "frame");
      video.requestVideoFrameCallback(onFrame);
    };
    if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
      video.requestVideoFrameCallback(onFrame);
    } else {  // no per-frame callback: currentTime, approximate
      video.addEventListener("timeupdate", () => show(Math.floor(video.currentTime * fps + 1e-3), "time"));
    }
    $("play").addEventListener("click", () => (video.paused ? video.play() : video.pause()));
    video.addEventListener("play", () => ($("play").textContent = "❚❚"));
    video.addEventListener("pause", () => ($("play").textContent = "▶"));
    $("back").addEventListener("click", () => { video.pause(); seek(current - 1); });
    $("fwd").addEventListener("click", () => { video.pause(); seek(current + 1); });
  }
  $("scrub").addEventListener("input", (e) => { if (video) video.pause(); seek(parseInt(e.target.value, 10)); });
  $("goto").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = parseLabel($("gotoval").value);
    if (f === null) { status("not a timecode of this clip"); return; }
    if (video) video.pause();
    seek(f);
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea")) return;
    if (e.key === "ArrowLeft") { if (video) video.pause(); seek(current - 1); e.preventDefault(); }
    else if (e.key === "ArrowRight") { if (video) video.pause(); seek(current + 1); e.preventDefault(); }
    else if (e.key === " " && video) { video.paused ? video.play() : video.pause(); e.preventDefault(); }
    else if (e.key === "i" && $("markin")) $("markin").click();
    else if (e.key === "o" && $("markout")) $("markout").click();
  });

  function status(text) { $("status").textContent = text; }
  async function post(what, body) {
    const r = await fetch(`/api/clip/${cfg.id}/${what}`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({ ok: false, error: r.statusText }));
    if (!r.ok || !data.ok) { status(data.error || "refused"); throw new Error(data.error); }
    return data;
  }
  function toggle(id, what) {
    const b = $(id);
    if (!b) return;
    b.addEventListener("click", async () => {
      const on = !b.classList.contains("on");
      await post(what, { on });
      b.classList.toggle("on", on);
      b.setAttribute("aria-pressed", String(on));
      status(`${what === "circle" ? "circled" : "select"}: ${on ? "yes" : "no"} (saved)`);
    });
  }
  toggle("circle", "circle");
  toggle("select", "select");
  document.querySelectorAll("#stars .star").forEach((s) => s.addEventListener("click", async () => {
    const n = parseInt(s.dataset.n, 10);
    await post("rating", { rating: n });
    document.querySelectorAll("#stars .star").forEach((x) => x.classList.toggle("on", parseInt(x.dataset.n, 10) <= n));
    status(`rating ${n} (saved)`);
  }));
  function rangeText() {
    const parts = [];
    if (markIn !== null) parts.push(`in ${label(cfg.start_frame + markIn)}`);
    if (markOut !== null) parts.push(`out ${label(cfg.start_frame + markOut)}`);
    $("rangeinfo").textContent = parts.join(" · ");
  }
  if ($("commentform")) {
    $("markin").addEventListener("click", () => { markIn = current; if (markOut !== null && markOut < markIn) markOut = null; rangeText(); });
    $("markout").addEventListener("click", () => { markOut = current; if (markIn === null || markIn > markOut) markIn = 0; rangeText(); });
    $("commentform").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("commenttext").value.trim();
      if (!text) return;
      const first = markIn !== null ? markIn : current;
      const body = { text, frame_in: first, frame_out: markOut !== null && markOut > first ? markOut : null };
      await post("comment", body);
      const li = document.createElement("li");
      const tc = label(cfg.start_frame + first) + (body.frame_out !== null ? "–" + label(cfg.start_frame + body.frame_out) : "");
      li.innerHTML = `<a href="#" class="at"></a> <b></b> <i></i> <span></span>`;
      li.querySelector("a").textContent = tc;
      li.querySelector("a").dataset.frame = String(first);
      li.querySelector("b").textContent = $("who").textContent.split(" · ")[0];
      li.querySelector("i").textContent = $("who").textContent.split(" · ")[1];
      li.querySelector("span").textContent = text;
      $("comments").appendChild(li);
      $("commenttext").value = "";
      markIn = markOut = null;
      rangeText();
      status(`comment at ${tc} (saved)`);
    });
  }
  $("comments").addEventListener("click", (e) => {
    const a = e.target.closest("a.at");
    if (!a) return;
    e.preventDefault();
    if (video) video.pause();
    seek(parseInt(a.dataset.frame, 10));
  });
  const hash = /f=(\d+)/.exec(location.hash);
  seek(hash ? parseInt(hash[1], 10) : 0);
})();
