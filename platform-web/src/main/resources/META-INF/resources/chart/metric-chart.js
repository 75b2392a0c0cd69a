// TuneForge metric charts: a thin connector between the server-side MetricChart component and uPlot (from the
// org.webjars.npm:uplot webjar). The server calls init once per attach, append for new points, destroy on detach.
import uPlot from '../webjars/uplot/1.6.30/dist/uPlot.esm.js';

const COLORS = ['#1676f3', '#e8590c', '#2f9e44', '#ae3ec9', '#868e96'];

function ensureStylesheet() {
  if (document.getElementById('tf-uplot-css')) {
    return;
  }
  const link = document.createElement('link');
  link.id = 'tf-uplot-css';
  link.rel = 'stylesheet';
  link.href = new URL('../webjars/uplot/1.6.30/dist/uPlot.min.css', import.meta.url).href;
  document.head.appendChild(link);
}

function options(element, config) {
  return {
    title: config.title,
    width: Math.max(element.clientWidth || 0, 320),
    height: config.height || 220,
    scales: { x: { time: false }, y: { distr: config.logScale ? 3 : 1 } },
    axes: [{ label: 'step' }, { size: 60 }],
    series: [{ label: 'step' }].concat(config.series.map((label, i) => ({
      label,
      stroke: COLORS[i % COLORS.length],
      width: i === 0 && config.series.length > 1 ? 1 : 2,
      spanGaps: true,
      // sparse series (validation loss) get a marker per point: a lone point draws no line
      points: (config.marked || []).includes(label) ? { show: true, size: 7 } : { show: false },
    }))),
  };
}

window.tuneforgeChart = {
  // data: [[x...], [y1...], ...] with null for gaps
  init(element, config, data) {
    ensureStylesheet();
    if (element.$chart) {
      element.$chart.destroy();
    }
    element.$data = data;
    element.$chart = new uPlot(options(element, config), data, element);
    element.$resize = new ResizeObserver(() => {
      if (element.$chart && element.clientWidth > 0) {
        element.$chart.setSize({ width: element.clientWidth, height: config.height || 220 });
      }
    });
    element.$resize.observe(element);
    element.dataset.points = String(data[0].length);
  },
  // rows: [[x, y1, y2, ...], ...] appended in step order
  append(element, rows) {
    if (!element.$chart) {
      return;
    }
    const data = element.$data;
    for (const row of rows) {
      for (let i = 0; i < data.length; i++) {
        data[i].push(row[i] === undefined ? null : row[i]);
      }
    }
    element.$chart.setData(data);
    element.dataset.points = String(data[0].length);
  },
  destroy(element) {
    if (element.$resize) {
      element.$resize.disconnect();
    }
    if (element.$chart) {
      element.$chart.destroy();
    }
    element.$chart = null;
    element.$data = null;
  },
};
