// Example photon handler: adds the top-3 classes to every /predict answer and a GET /labels route.
// Package it with: lep photon create --name digits --model model.onnx --labels-file labels.txt --handler examples/handler-topk/handler.mjs

/** @type {import('lepton-ts').PhotonHandler} */
export default {
  routes(app, ctx) {
    app.get('/labels', async () => ({ labels: ctx.manifest.labels ?? [] }));
  },
  postprocess(result, raw, ctx) {
    const out = raw[Object.keys(raw)[0]];
    const classes = out.dims[1] ?? out.data.length;
    const top = [];
    for (let r = 0; r < (out.dims[0] ?? 1); r++) {
      const row = Array.from(out.data.subarray(r * classes, (r + 1) * classes));
      const order = row.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      top.push(order.map(([score, i]) => ({ index: i, label: ctx.manifest.labels?.[i] ?? String(i), score })));
    }
    return { ...result, predictions: result.predictions.map((p, r) => ({ ...p, top3: top[r] })) };
  },
};
