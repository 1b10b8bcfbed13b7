# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# sweep-time-per-sample.png after restyling: gnuplot sweep-time-per-sample.gp   (reads sweep-time-per-sample.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'sweep-time-per-sample.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Generator time per sample against objective.content.layers"
set xlabel "objective.content.layers" offset 0,0
set ylabel "ms per sample, batch 1 (log scale)"
set logscale y
set autoscale yfix
set format y "%g"
set ytics (20, 30)
set xrange [-0.5:3.5]
set offsets 0, 0, graph 0.1, graph 0.1
set xtics ("relu4_1" 0, "relu4_2" 1, "relu3_2" 2, "relu5_2" 3)
set bmargin at screen 0.25
set key at screen 0.5, 0.01 center bottom horizontal width 1
plot 'sweep-time-per-sample.dat' using 1:3 with linespoints lw 2 pt 7 ps 1.5 title "samples of 128×128"
