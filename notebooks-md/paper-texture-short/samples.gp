# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# samples.png after restyling: gnuplot samples.gp   (reads samples-images.png)
set encoding utf8
set terminal pngcairo size 1108,228 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'samples.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
unset key
unset border
unset tics
set lmargin at screen 0.0631768953
set rmargin at screen 0.989169675
set bmargin at screen 0.0526315789
set tmargin at screen 0.780701754
set xrange [-0.5:1026 - 0.5]
set yrange [-0.5:166 - 0.5]
set label "exemplar" at first 82.5, graph 1 center offset 0,1
set label "Gatys (lbfgs)" at first 254.5, graph 1 center offset 0,1
set label "sample 1" at first 426.5, graph 1 center offset 0,1
set label "sample 2" at first 598.5, graph 1 center offset 0,1
set label "sample 3" at first 770.5, graph 1 center offset 0,1
set label "sample 4" at first 942.5, graph 1 center offset 0,1
set label "base" at graph 0, first 82.5 right offset -1,0
plot 'samples-images.png' binary filetype=png with rgbimage
