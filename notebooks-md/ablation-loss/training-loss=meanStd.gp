# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# training-loss=meanStd.png after restyling: gnuplot training-loss=meanStd.gp   (reads training-loss=meanStd.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'training-loss=meanStd.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Training loss of loss=meanStd, per term (style/meanStd)"
set xlabel "iteration"
set ylabel "loss (log scale)"
set logscale y
set format y "%.0e"
set key top right
plot 'training-loss=meanStd.dat' using 1:2 with lines lw 2 title "relu1_1", \
     'training-loss=meanStd.dat' using 1:3 with lines lw 2 title "relu2_1", \
     'training-loss=meanStd.dat' using 1:4 with lines lw 2 title "relu3_1", \
     'training-loss=meanStd.dat' using 1:5 with lines lw 2 title "relu4_1", \
     'training-loss=meanStd.dat' using 1:6 with lines lw 2 title "relu5_1", \
     'training-loss=meanStd.dat' using 1:7 with lines lw 3 lc rgb "black" title "total (weighted)"
