# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# sweep-sample-loss.png after restyling: gnuplot sweep-sample-loss.gp   (reads sweep-sample-loss.dat)
set encoding utf8
set terminal pngcairo size 960,688 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'sweep-sample-loss.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Mean sample loss against objective.style.layers"
set xlabel "objective.style.layers" offset 0,-4
set ylabel "loss under the training objective (log scale)"
set logscale y
set autoscale yfix
set format y "%g"
set ytics (1.5e-05, 2e-05, 3e-05, 5e-05, 7e-05, 0.0001, 0.00015)
set xrange [-0.5:4.5]
set offsets 0, 0, graph 0.1, graph 0.1
set xtics ("relu1_1" 0, "relu1_1+\nrelu2_1" 1, "relu1_1+\nrelu2_1+\nrelu3_1" 2, "relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1" 3, "relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1+\nrelu5_1" 4)
set bmargin at screen 0.345930233
set key at screen 0.5, 0.01 center bottom horizontal width 1
plot 'sweep-sample-loss.dat' using 1:3:4 with yerrorlines lw 2 pt 7 ps 1.5 title "64×64, ± 1 sd over the samples"
