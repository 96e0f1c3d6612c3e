package bench

import (
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LineStyle gives each system a colour and dash pattern: warble solid and bold,
// ggwave dashed, minimodem dotted. Paired plots give a ggwave protocol and
// warble's receiver of it one colour.
func LineStyle(i int, s System) draw.LineStyle {
	colors := []color.RGBA{
		{0x1f, 0x77, 0xb4, 255}, {0xd6, 0x27, 0x28, 255}, {0x2c, 0xa0, 0x2c, 255}, {0xff, 0x7f, 0x0e, 255},
		{0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255}, {0xe3, 0x77, 0xc2, 255}, {0x7f, 0x7f, 0x7f, 255},
		{0xbc, 0xbd, 0x22, 255}, {0x17, 0xbe, 0xcf, 255}, {0x00, 0x00, 0x00, 255},
	}
	ls := draw.LineStyle{Color: colors[i%len(colors)], Width: vg.Points(1.2)}
	switch s.Family {
	case "warble":
		ls.Width = vg.Points(2.5)
	case "ggwave":
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	case "minimodem":
		ls.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	}
	return ls
}
