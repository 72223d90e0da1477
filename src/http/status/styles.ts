/**
 * The page's only stylesheet. Colours meet WCAG AA contrast (4.5:1 for text) on their
 * backgrounds; states are written out in words, never told by colour alone.
 */
export const css = `
:root { color-scheme: light; font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 15px; color: #1b1f24; background: #ffffff; }
body { margin: 0; }
a { color: #0b57d0; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #ffffff; padding: 8px; }
.skip:focus { left: 8px; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 12px; padding: 12px 24px; background: #1b1f24; color: #ffffff; }
header .brand { font-size: 20px; font-weight: bold; margin: 0; }
header form { display: flex; align-items: center; gap: 8px; margin: 0; }
header label { font-size: 14px; }
header input { padding: 6px 8px; border: 1px solid #8c959f; border-radius: 4px; font: inherit; }
header a, header .who { color: #ffffff; }
button { font: inherit; padding: 6px 12px; border-radius: 4px; border: 1px solid #0b57d0; background: #0b57d0; color: #ffffff; cursor: pointer; }
button.secondary { background: #ffffff; color: #0b57d0; }
main { padding: 16px 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 8px 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 16px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { background: #f6f8fa; font-weight: bold; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: bold; border: 1px solid transparent; }
.good { background: #e6f4ea; color: #0f5323; border-color: #9fd4ad; }
.bad { background: #fde7e9; color: #8a1020; border-color: #f1a7b0; }
.warn { background: #fff4d6; color: #6b4500; border-color: #e8c36a; }
.neutral { background: #eef1f4; color: #3b434c; border-color: #c4ccd4; }
.note { color: #3b434c; }
.flash { padding: 8px 12px; border-radius: 4px; background: #e8f0fe; color: #0b3a8c; border: 1px solid #a8c1f0; }
.error { background: #fde7e9; color: #8a1020; border-color: #f1a7b0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
footer { padding: 8px 24px 24px; color: #3b434c; font-size: 13px; }
`;
